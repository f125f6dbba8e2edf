"""API route of a user's own data (included under /api/v1/ by config.api_urls)."""

from django.urls import path

from . import views

urlpatterns = [path("auth/me/data/", views.OwnDataView.as_view(), name="me-data")]
