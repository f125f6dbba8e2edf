from django.urls import path

from . import rating_views, views

app_name = "disputes"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.file_dispute, name="file"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/evidence/", views.upload_evidence, name="evidence"),
    path("<int:pk>/home-visit/", views.record_home_visit, name="home-visit"),
    path("<int:pk>/transitions/<str:name>/", views.transition, name="transition"),
    path("<int:pk>/rating/", rating_views.rate_page, name="rate"),
    path("reviews/", rating_views.reviews_page, name="reviews"),
    path("reviews/<int:review_id>/answer/", rating_views.answer_page, name="review-answer"),
    path("reviews/<int:review_id>/followup/", rating_views.followup_page, name="review-followup"),
]
