"""Voice notes over HTTP (docs/chat-protocol.md, "Voice notes"): upload one into a room, and
download it (with byte ranges, so an <audio> element can seek)."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import record_request
from core.api import PayloadTooLarge
from core.errors import ServiceError
from core.models import AuditEntry
from disputes.services import declared_length

from ..models import Room
from . import ratelimit, rooms, voice
from .api import MESSAGE_SCHEMA

# A voice note and the form around it; a larger declared body is refused before it is read.
UPLOAD_OVERHEAD = 64 * 1024


def member_room(request, room_id: int) -> Room:
    """The room if the caller is a member; 404 otherwise, whoever they are (a caucus of the
    other party, staff who see the dispute): a voice note's room is never confirmed to others."""
    room = rooms.visible_room(request.user, room_id)
    if rooms.role_in(room, request.user) is None:
        raise ServiceError(_("Not found."), code="not_found", status=404)
    return room


class VoiceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the recording (audio/webm with Opus, audio/ogg, audio/mp4, ...)")
    client_msg_id = serializers.CharField(
        max_length=64, help_text="chosen by the client; a retry sends it again"
    )
    duration_ms = serializers.CharField(required=False, help_text="the recording's length as measured")


class VoiceView(APIView):
    @extend_schema(
        request={"multipart/form-data": VoiceUploadSerializer},
        responses={201: MESSAGE_SCHEMA, 200: MESSAGE_SCHEMA},
        description="Stores a voice note as a message of the room (same seq, idempotency and "
        "broadcast as text): 201 with the message, 200 with the one stored before for a repeated "
        "client_msg_id. 404 not a member, 409 `read_only`, 413 `too_large` (size or duration), "
        "415 `unsupported_type`, 429 `rate_limited`.",
    )
    def post(self, request, room_id: int):
        if declared_length(request) > settings.CHAT_VOICE_MAX_BYTES + UPLOAD_OVERHEAD:
            raise PayloadTooLarge()
        room = member_room(request, room_id)
        if not ratelimit.take_shared(request.user.pk, room.pk):
            raise ServiceError(_("Too many messages; slow down."), code="rate_limited", status=429)
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("Choose a file."), code="invalid", field="file")
        posted = voice.post_voice(
            room, request.user, upload, request.data.get("client_msg_id"), request.data.get("duration_ms")
        )
        return Response(
            posted.frame["message"], status=status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK
        )


class VoiceDownloadView(APIView):
    @extend_schema(responses={(200, "audio/*"): OpenApiTypes.BINARY, (206, "audio/*"): OpenApiTypes.BINARY})
    def get(self, request, room_id: int, attachment_id: int):
        """The recording, to members of its room only; honours a single `Range: bytes=` request."""
        room = member_room(request, room_id)
        found = voice.attachment_for(room, attachment_id)
        size = found.file.size
        try:
            wanted = voice.byte_range(request.headers.get("Range", ""), size)
        except ValueError:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        if wanted is None or wanted[0] == 0:
            # Listened to (or downloaded): audited as evidence downloads are; the further ranges a
            # player asks for while seeking are not.
            record_request(request, AuditEntry.Action.DOWNLOAD, dispute=room.dispute_id, target=f"voice:{found.pk}",
                           data={"document": "voice_note", "attachment_id": found.pk, "sha256": found.sha256})  # fmt: skip
        if wanted is None:
            response = FileResponse(found.file.open("rb"), content_type=found.content_type)
        else:
            first, last = wanted
            with found.file.open("rb") as handle:
                handle.seek(first)
                chunk = handle.read(last - first + 1)
            response = HttpResponse(chunk, status=206, content_type=found.content_type)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
