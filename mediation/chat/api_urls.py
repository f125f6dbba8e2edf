"""The chat's API routes (docs/chat-protocol.md): rooms, history and the send fallback,
websocket tickets. Included under the `api` namespace (no app_name: names stay api:<name>)."""

from django.urls import path

from ..calls.api import CallCredentialsView
from . import api, voice_api

urlpatterns = [
    path("disputes/<int:pk>/rooms/", api.DisputeRoomsView.as_view(), name="rooms"),
    path("rooms/<int:room_id>/messages/", api.RoomMessagesView.as_view(), name="room-messages"),
    path("rooms/<int:room_id>/voice/", voice_api.VoiceView.as_view(), name="room-voice"),
    path(
        "rooms/<int:room_id>/voice/<int:attachment_id>/",
        voice_api.VoiceDownloadView.as_view(),
        name="room-voice-file",
    ),
    path(
        "rooms/<int:room_id>/call-credentials/", CallCredentialsView.as_view(), name="room-call-credentials"
    ),
    path("ws-tickets/", api.WsTicketView.as_view(), name="ws-tickets"),
]
