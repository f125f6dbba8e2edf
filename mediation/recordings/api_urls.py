"""Call recordings' API routes (docs/features/calls.md), under the `api` namespace."""

from django.urls import path

from . import api

urlpatterns = [
    path("calls/<uuid:call_id>/consent/", api.ConsentView.as_view(), name="call-recording-consent"),
    path("calls/<uuid:call_id>/recording-status/", api.StatusView.as_view(), name="call-recording-status"),
    path("calls/<uuid:call_id>/recordings/", api.StartView.as_view(), name="call-recordings"),
    path("recordings/<uuid:recording_id>/", api.RecordingView.as_view(), name="recording"),
    path("recordings/<uuid:recording_id>/chunks/", api.ChunkView.as_view(), name="recording-chunks"),
    path("recordings/<uuid:recording_id>/complete/", api.CompleteView.as_view(), name="recording-complete"),
    path("recordings/<uuid:recording_id>/file/", api.FileView.as_view(), name="recording-file"),
]
