"""Call recordings over HTTP (docs/features/calls.md): consent, status, a resumable
chunked upload (create, append at an offset, ask the offset, complete) and the download."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import record_request
from core.errors import ServiceError
from core.models import AuditEntry
from disputes.services import declared_length

from ..chat import voice
from . import service


class ConsentSerializer(serializers.Serializer):
    consent = serializers.BooleanField()


class StartSerializer(serializers.Serializer):
    content_type = serializers.CharField(help_text="video/webm, audio/webm, video/mp4 or audio/mp4")
    client_id = serializers.CharField(max_length=64, help_text="chosen by the client; a retry sends it again")


class CompleteSerializer(serializers.Serializer):
    sha256 = serializers.CharField(help_text="SHA-256 of all the bytes uploaded, hexadecimal")
    size = serializers.IntegerField(min_value=0)
    duration_ms = serializers.IntegerField(min_value=0, required=False, allow_null=True)


def _offset_conflict(exc: service.OffsetMismatch) -> Response:
    return Response({"detail": exc.message, "code": exc.code, "offset": exc.offset}, status=exc.status)


class ConsentView(APIView):
    @extend_schema(
        request=ConsentSerializer, responses={200: OpenApiTypes.OBJECT},
        description="A member's consent to recording this call, stored and posted to the room as an "
        "event message. 404 not a member, 409 `call_ended`.",
    )  # fmt: skip
    def post(self, request, call_id):
        call, _role = service.member_call(request.user, call_id)
        body = ConsentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(service.set_consent(call, request.user, body.validated_data["consent"]))


class StatusView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, call_id):
        """Who has consented, whether recording may start, the call's recordings (complete or not)."""
        call, _role = service.member_call(request.user, call_id)
        return Response(service.status(call))


class StartView(APIView):
    @extend_schema(
        request=StartSerializer, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
        description="A new upload (201), or the one created before with this client_id (200). 403 not "
        "the mediator, 404 not a member, 409 `call_ended` or `consent_missing`.",
    )  # fmt: skip
    def post(self, request, call_id):
        call, role = service.member_call(request.user, call_id)
        data = (
            request.data if isinstance(request.data, dict) else {}
        )  # the service checks the fields, after the role
        rec, created = service.start(
            call, request.user, role, data.get("content_type"), data.get("client_id")
        )
        return Response(
            service.describe(rec), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class RecordingView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, recording_id):
        """The upload's state: `offset` (bytes stored: where to resume), `complete`, `sha256`."""
        rec, _role = service.member_recording(request.user, recording_id)
        return Response(service.describe(rec))

    def head(self, request, recording_id):
        rec, _role = service.member_recording(request.user, recording_id)
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(rec.size)
        response["Upload-Complete"] = "1" if rec.completed_at else "0"
        response["Cache-Control"] = "no-store"
        return response


class ChunkView(APIView):
    parser_classes: list = []  # the body is raw bytes, read below and never parsed

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY}, responses={200: OpenApiTypes.OBJECT},
        description="Appends the body at `?offset=N`, which must be the stored length: 409 `wrong_offset` "
        "with `offset` otherwise. 400 a body shorter than its Content-Length (nothing stored), 413 a chunk "
        "over RECORDING_CHUNK_MAX_BYTES or a total over RECORDING_MAX_BYTES, 409 `consent_withdrawn` "
        "or `complete` (with `offset`).",
    )  # fmt: skip
    def put(self, request, recording_id):
        return self._append(request, recording_id)

    @extend_schema(exclude=True)
    def patch(self, request, recording_id):
        return self._append(request, recording_id)

    def _append(self, request, recording_id):
        rec, role = service.member_recording(request.user, recording_id)  # 404, then 403, before reading
        service.check_uploader(rec, request.user, role)
        limit = service.chunk_limit()
        declared = declared_length(request)
        if declared > limit:
            raise ServiceError(_("A chunk has at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                               code="too_large", status=413)  # fmt: skip
        # Read the raw body (not request.body, capped by DATA_UPLOAD_MAX_MEMORY_SIZE). A body cut
        # short (the connection dropped) is shorter than its Content-Length: refused, nothing kept.
        data = request._request.read(limit + 1) if declared or "CONTENT_LENGTH" not in request.META else b""
        if len(data) > limit:
            raise ServiceError(_("A chunk has at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                               code="too_large", status=413)  # fmt: skip
        if "CONTENT_LENGTH" in request.META and len(data) != declared:
            raise ServiceError(_("The chunk arrived incomplete."), code="incomplete", field="body")
        try:
            rec = service.append(recording_id, request.user, request.query_params.get("offset"), data)
        except service.OffsetMismatch as exc:
            return _offset_conflict(exc)
        return Response(service.describe(rec))


class CompleteView(APIView):
    @extend_schema(
        request=CompleteSerializer, responses={200: OpenApiTypes.OBJECT},
        description="Checks the stored bytes against `size` (409 `size_mismatch` with `offset`) and "
        "`sha256` (409 `sha256_mismatch`), their container (415), and puts the recording on the room's "
        "timeline. A repeated completion with the same values answers 200 again.",
    )  # fmt: skip
    def post(self, request, recording_id):
        rec, role = service.member_recording(request.user, recording_id)
        service.check_uploader(rec, request.user, role)
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        try:
            rec = service.complete(
                recording_id, request.user, values["sha256"], values["size"], values.get("duration_ms")
            )
        except service.OffsetMismatch as exc:
            return _offset_conflict(exc)
        return Response(service.describe(rec))


class FileView(APIView):
    @extend_schema(responses={(200, "video/*"): OpenApiTypes.BINARY, (206, "video/*"): OpenApiTypes.BINARY})
    def get(self, request, recording_id):
        """The completed recording, to members of its room only; a single `Range: bytes=` honoured."""
        rec, _role = service.member_recording(request.user, recording_id)
        handle, size = service.download(rec)
        try:
            wanted = voice.byte_range(request.headers.get("Range", ""), size)
        except ValueError:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        if wanted is None or wanted[0] == 0:
            record_request(request, AuditEntry.Action.DOWNLOAD, dispute=rec.call.room.dispute_id,
                           target=f"recording:{rec.pk}",
                           data={"document": "call_recording", "recording": str(rec.pk), "sha256": rec.sha256})  # fmt: skip
        if wanted is None:
            response = FileResponse(handle, content_type=rec.content_type)
        else:
            first, last = wanted
            with handle:
                handle.seek(first)
                chunk = handle.read(last - first + 1)
            response = HttpResponse(chunk, status=206, content_type=rec.content_type)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
