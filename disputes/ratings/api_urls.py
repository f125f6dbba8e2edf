"""API routes of ratings and reviews; included in the `api` namespace (no app_name here)."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/rating/", api.RatingView.as_view(), name="rating"),
    path("reviews/", api.ReviewListView.as_view(), name="reviews"),
    path("reviews/<int:review_id>/answer/", api.ReviewAnswerView.as_view(), name="review-answer"),
    path("reviews/<int:review_id>/followup/", api.ReviewFollowupView.as_view(), name="review-followup"),
]
