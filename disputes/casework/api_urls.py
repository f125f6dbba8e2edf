"""API routes of case handling; included in the `api` namespace (no app_name here)."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/info-requests/", api.InfoRequestListView.as_view(), name="info-requests"),
    path(
        "disputes/<int:pk>/info-requests/<int:request_id>/answer/",
        api.InfoAnswerView.as_view(),
        name="info-request-answer",
    ),
]
