"""Self-help API routes; included in the `api` namespace (no app_name here)."""

from django.urls import path

from . import api

urlpatterns = [
    path("guides/", api.GuideListView.as_view(), name="guides"),
    path("guides/<slug:slug>/", api.GuideDetailView.as_view(), name="guide"),
]
