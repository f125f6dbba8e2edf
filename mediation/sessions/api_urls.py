"""The sessions' API routes (docs/features/sessions.md), under the `api` namespace."""

from django.urls import path

from . import api

urlpatterns = [
    path("disputes/<int:pk>/sessions/", api.DisputeSessionsView.as_view(), name="dispute-sessions"),
    path("sessions/<int:pk>/", api.SessionView.as_view(), name="session"),
    path("sessions/<int:pk>/cancel/", api.SessionCancelView.as_view(), name="session-cancel"),
    path("sessions/<int:pk>/dial/", api.SessionDialView.as_view(), name="session-dial"),
]
