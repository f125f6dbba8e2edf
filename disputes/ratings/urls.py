"""Page routes of ratings and reviews; included by disputes/urls.py in the `disputes` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/rating/", views.rate_page, name="rate"),
    path("reviews/", views.reviews_page, name="reviews"),
    path("reviews/<int:review_id>/answer/", views.answer_page, name="review-answer"),
    path("reviews/<int:review_id>/followup/", views.followup_page, name="review-followup"),
]
