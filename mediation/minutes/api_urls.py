"""Minutes API routes (docs/features/minutes.md), under the `api` namespace."""

from django.urls import path

from . import api

urlpatterns = [
    path("sessions/<int:session_id>/minutes/", api.MinutesView.as_view(), name="session-minutes"),
    path(
        "sessions/<int:session_id>/minutes/finalise/",
        api.FinaliseView.as_view(),
        name="session-minutes-finalise",
    ),
    path("sessions/<int:session_id>/minutes/pdf/", api.MinutesPdfView.as_view(), name="session-minutes-pdf"),
    path(
        "sessions/<int:session_id>/minutes/confirm-code/",
        api.ConfirmCodeView.as_view(),
        name="session-minutes-confirm-code",
    ),
    path(
        "sessions/<int:session_id>/minutes/confirm/",
        api.ConfirmView.as_view(),
        name="session-minutes-confirm",
    ),
]
