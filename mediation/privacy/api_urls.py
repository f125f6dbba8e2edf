"""API routes of personal data (included under /api/v1/ by config.api_urls; names api:<name>)."""

from django.urls import path

from . import api

urlpatterns = [
    path("auth/me/delete/", api.DeleteAccountView.as_view(), name="delete-account"),
]
