"""API routes of the SLA package; included in the `api` namespace (no app_name here)."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/home-visit/", api.HomeVisitView.as_view(), name="home-visit"),
]
