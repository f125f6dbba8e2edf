"""Consent and resumable uploads of call recordings (docs/features/calls.md).

Rules live here; the API only routes. Locks are taken in the order call, recording, room
(the room's through chat.store), so a consent change, a chunk and a completion never deadlock.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid

import filetype
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core import uploads
from core.errors import ServiceError

from ..chat import rooms, store
from ..chat.frames import message_frame
from ..models import Attachment, Call, Recording, RecordingConsent, Room

CONTENT_TYPES = ("video/webm", "audio/webm", "video/mp4", "audio/mp4")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MKV_AUDIO = re.compile(rb"\x86[\x81-\xbf]A_")
_MKV_VIDEO = re.compile(rb"\x86[\x81-\xbf]V_")


# Limits, overridable in settings (docs/features/calls.md): one chunk, a whole recording.
# A recording's size is an Attachment.size (a 32-bit integer): at most 2000 MB.
CHUNK_MAX_BYTES = 8 * 1024 * 1024
MAX_BYTES = 2000 * 1024 * 1024


def chunk_limit() -> int:
    return getattr(settings, "RECORDING_CHUNK_MAX_BYTES", CHUNK_MAX_BYTES)


def total_limit() -> int:
    return min(getattr(settings, "RECORDING_MAX_BYTES", MAX_BYTES), MAX_BYTES)


class OffsetMismatch(ServiceError):
    """A chunk (or completion) that does not start where the stored bytes end: 409 with the
    offset to resume from."""

    def __init__(self, message: str, offset: int, code: str = "wrong_offset"):
        super().__init__(message, code=code, status=409)
        self.offset = offset


def _not_found() -> ServiceError:
    return ServiceError(_("Not found."), code="not_found", status=404)


def _too_large() -> ServiceError:
    return ServiceError(
        _("A recording has at most %(mb)s MB.") % {"mb": total_limit() // (1024 * 1024)},
        code="too_large", status=413,
    )  # fmt: skip


# --- who may do what --------------------------------------------------------------------------
def member_call(user: User, call_id) -> tuple[Call, str]:
    """The call and the caller's role in its room; 404 for anyone who is not a member (the
    other party of a caucus, staff, strangers) and for an unknown or malformed id."""
    try:
        key = uuid.UUID(str(call_id))
    except ValueError:
        raise _not_found() from None
    call = Call.objects.select_related("room__dispute").filter(pk=key).first()
    role = rooms.role_in(call.room, user) if call is not None else None
    if role is None:
        raise _not_found()
    return call, role


def member_recording(user: User, recording_id) -> tuple[Recording, str]:
    try:
        key = uuid.UUID(str(recording_id))
    except ValueError:
        raise _not_found() from None
    found = Recording.objects.select_related("call__room__dispute").filter(pk=key).first()
    role = rooms.role_in(found.call.room, user) if found is not None else None
    if role is None:
        raise _not_found()
    return found, role


def _mediator_only(role: str) -> None:
    if role != "mediator":
        raise ServiceError(_("Only the mediator records a call."), code="permission_denied", status=403)


def check_uploader(recording: Recording, user: User, role: str) -> None:
    _mediator_only(role)
    if recording.started_by_id != user.pk:
        raise ServiceError(
            _("Only who started this recording uploads it."), code="permission_denied", status=403
        )


# --- consent ----------------------------------------------------------------------------------
def consents(call: Call) -> dict:
    """Every current member of the call's room with their answer (None: not asked yet), and
    whether all of them said yes."""
    members = rooms.members(call.room)
    answers = dict(RecordingConsent.objects.filter(call=call).values_list("user_id", "consent"))
    rows = [
        {"user": pk, "name": info["name"], "role": info["role"], "consent": answers.get(pk)}
        for pk, info in members.items()
    ]
    return {"members": rows, "all_consented": bool(rows) and all(row["consent"] is True for row in rows)}


def may_record(call: Call) -> bool:
    return call.ended_at is None and consents(call)["all_consented"]


def status(call: Call) -> dict:
    answers = consents(call)
    return {
        "call": str(call.pk),
        "live": call.ended_at is None,
        "consents": answers["members"],
        "all_consented": answers["all_consented"],
        "may_record": call.ended_at is None and answers["all_consented"],
        "recordings": [describe(rec) for rec in call.recordings.order_by("created_at")],
    }


def set_consent(call: Call, user: User, consent: bool) -> dict:
    """Store `user`'s answer for `call`; a change is also a room event message
    {"call", "action": "consent", "consent"}. A "no" stops every recording of the call that is
    not complete: no chunk is accepted after this commits (docs/features/calls.md)."""
    if not isinstance(consent, bool):
        raise ServiceError(_("Must be true or false."), code="invalid", field="consent")
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("room__dispute").get(pk=call.pk)
        if call.ended_at is not None:
            raise ServiceError(_("This call has ended."), code="call_ended", status=409)
        before = RecordingConsent.objects.filter(call=call, user=user).first()
        if before is None or before.consent != consent:
            now = timezone.now()
            RecordingConsent.objects.update_or_create(
                call=call, user=user, defaults={"consent": consent, "updated_at": now}
            )
            if not consent:
                Recording.objects.filter(
                    call=call, stopped_at__isnull=True, completed_at__isnull=True
                ).update(stopped_at=now)
            event = {"call": str(call.pk), "action": "consent", "consent": consent}
            post_event(call.room, user, event, f"rec-consent-{uuid.uuid4().hex}")
    return status(call)


def post_event(
    room: Room, user: User, event: dict, client_msg_id: str, attachment: dict | None = None
) -> dict:
    """A room message carrying `event`, stored by chat.store.post_event under the room's lock
    (after the call's and the recording's: the lock order here), with a line in the dispute's
    language; the message's dict as its frame carries it."""
    room = Room.objects.select_for_update().select_related("dispute").get(pk=room.pk)
    role = rooms.role_in(room, user) or "mediator"  # a recording completes after the call, from its recorder
    name = user.full_name or user.username
    with translation.override(room.dispute.language):
        if event["action"] == "recording":
            body = _("%(name)s saved a recording of the call (SHA-256 %(sha)s)") % {
                "name": name,
                "sha": event["sha256"],
            }
        elif event["consent"]:
            body = _("%(name)s agreed to recording the call") % {"name": name}
        else:
            body = _("%(name)s does not agree to recording the call") % {"name": name}
    message, _created = store.post_event(room, user, role, body, event, client_msg_id, attachment)
    return message_frame(message, user)["message"]


# --- uploads ----------------------------------------------------------------------------------
def describe(rec: Recording) -> dict:
    return {
        "id": str(rec.pk),
        "call": str(rec.call_id),
        "content_type": rec.content_type,
        "offset": rec.size,
        "complete": rec.completed_at is not None,
        "stopped": rec.stopped_at is not None,
        "sha256": rec.sha256 or None,
        "duration_ms": rec.duration_ms,
        "created_at": rec.created_at.isoformat(),
        "completed_at": rec.completed_at.isoformat() if rec.completed_at else None,
        "upload_url": f"/api/v1/recordings/{rec.pk}/chunks/",
        "file_url": f"/api/v1/recordings/{rec.pk}/file/" if rec.completed_at else None,
    }


def start(call: Call, user: User, role: str, content_type, client_id) -> tuple[Recording, bool]:
    """A new upload for `call` by its room's mediator, or the one made before under the same
    client id (created False). 403 a party, 409 ended call or a member's consent missing."""
    _mediator_only(role)
    if not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
        raise ServiceError(_("A string of 1 to 64 characters."), code="invalid", field="client_id")
    found = Recording.objects.filter(call=call, started_by=user, client_id=client_id).first()
    if found is not None:
        return found, False
    if content_type not in CONTENT_TYPES:
        raise ServiceError(
            _("Choose one of: %(types)s.") % {"types": ", ".join(CONTENT_TYPES)},
            code="invalid", field="content_type",
        )  # fmt: skip
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("room__dispute").get(pk=call.pk)
        if call.ended_at is not None:
            raise ServiceError(_("This call has ended."), code="call_ended", status=409)
        if not consents(call)["all_consented"]:
            raise ServiceError(
                _("Everyone in the call must agree before it is recorded."),
                code="consent_missing",
                status=409,
            )
        key = uuid.uuid4()
        rec, created = Recording.objects.get_or_create(
            call=call, started_by=user, client_id=client_id,
            defaults={"id": key, "content_type": content_type, "file": f"recordings/{call.room_id}/{key.hex}"},
        )  # fmt: skip
    return rec, created


def _path(rec: Recording) -> str:
    path = default_storage.path(rec.file)  # the filesystem storage: chunks are appended in place
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def append(recording_id, user: User, offset, data: bytes) -> Recording:
    """Append one chunk at `offset`, which must be the stored length (409 with the current
    offset otherwise). The chunk was read whole before this runs (the API checks its length);
    it is written under the recording's row lock after cutting the file back to the stored
    length, so bytes of a write whose transaction did not commit are never kept."""
    rec, role = member_recording(user, recording_id)
    check_uploader(rec, user, role)
    if not (isinstance(offset, str) and offset.isascii() and offset.isdigit() and len(offset) <= 15):
        raise ServiceError(_("Must be a non-negative integer."), code="invalid", field="offset")
    if not data:
        raise ServiceError(_("The chunk is empty."), code="invalid", field="body")
    if len(data) > chunk_limit():
        raise ServiceError(
            _("A chunk has at most %(mb)s MB.") % {"mb": chunk_limit() // (1024 * 1024)},
            code="too_large", status=413,
        )  # fmt: skip
    with transaction.atomic():
        rec, role = member_recording(user, recording_id)
        check_uploader(rec, user, role)
        rec = Recording.objects.select_for_update().get(pk=rec.pk)
        if rec.completed_at is not None:
            raise OffsetMismatch(_("This recording is complete."), rec.size, code="complete")
        if rec.stopped_at is not None:
            raise OffsetMismatch(
                _("Consent was withdrawn: complete the recording with what is stored."),
                rec.size, code="consent_withdrawn",
            )  # fmt: skip
        if int(offset) != rec.size:
            raise OffsetMismatch(_("The upload continues at byte %(n)s.") % {"n": rec.size}, rec.size)
        if rec.size + len(data) > total_limit():
            raise _too_large()
        with open(_path(rec), "ab") as handle:
            handle.truncate(rec.size)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        rec.size += len(data)
        rec.updated_at = timezone.now()
        rec.save(update_fields=["size", "updated_at"])
    return rec


def _digest_and_head(rec: Recording) -> tuple[str, bytes]:
    digest, head, left = hashlib.sha256(), b"", rec.size
    with open(_path(rec), "rb") as handle:
        while left:
            block = handle.read(min(left, 1024 * 1024))
            if not block:
                break
            if len(head) < uploads.MEDIA_HEAD:
                head += block[: uploads.MEDIA_HEAD - len(head)]
            digest.update(block)
            left -= len(block)
    if left:
        raise ServiceError(_("The stored recording is incomplete."), code="storage", status=500)
    return digest.hexdigest(), head


def media_type(head: bytes) -> str | None:
    """The recording's type judged from its first bytes: WebM or MP4, video when it has a video
    track, audio when it has only sound (core.uploads.audio_type's reading, video allowed)."""
    kind = filetype.guess(head[:8192])
    if kind is None:
        return None
    if kind.mime in uploads.MATROSKA:
        if _MKV_VIDEO.search(head):
            return "video/webm"
        return "audio/webm" if _MKV_AUDIO.search(head) else None
    if kind.mime in uploads.ISO_MEDIA:
        handlers = head.replace(b"\x00", b"")
        if b"hdlrvide" in handlers:
            return "video/mp4"
        return "audio/mp4" if b"hdlrsoun" in handlers else None
    return None


def complete(recording_id, user: User, sha256, size, duration_ms=None) -> Recording:
    """Check the stored bytes against the client's size and SHA-256 and put the recording on its
    room's timeline: an Attachment(kind=recording) on an event message {"call", "action":
    "recording", "recording", "sha256", "size"}. Repeating a successful completion returns it
    again; a mismatch (409) attaches nothing and keeps the upload."""
    rec, role = member_recording(user, recording_id)
    check_uploader(rec, user, role)
    if not isinstance(sha256, str) or not _SHA256.match(sha256.lower()):
        raise ServiceError(_("A SHA-256 in hexadecimal."), code="invalid", field="sha256")
    sha256 = sha256.lower()
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ServiceError(_("Must be a non-negative integer."), code="invalid", field="size")
    if duration_ms is not None and (
        not isinstance(duration_ms, int) or isinstance(duration_ms, bool) or not 0 <= duration_ms < 2**31
    ):
        raise ServiceError(_("Must be a non-negative integer."), code="invalid", field="duration_ms")
    with transaction.atomic():
        rec, role = member_recording(user, recording_id)
        check_uploader(rec, user, role)
        rec = Recording.objects.select_for_update().select_related("call__room").get(pk=rec.pk)
        if rec.completed_at is not None:
            if rec.sha256 == sha256 and rec.size == size:
                return rec
            raise ServiceError(_("This recording is complete."), code="complete", status=409)
        if size != rec.size:
            raise OffsetMismatch(
                _("The server holds %(n)s bytes of this recording.") % {"n": rec.size},
                rec.size,
                "size_mismatch",
            )
        if not rec.size:
            raise ServiceError(_("Nothing was uploaded."), code="empty", status=409)
        digest, head = _digest_and_head(rec)
        if digest != sha256:
            raise ServiceError(
                _("The uploaded bytes do not match the SHA-256 given."), code="sha256_mismatch", status=409
            )
        mime = media_type(head)
        if mime is None:
            raise ServiceError(
                _("Only WebM or MP4 recordings are accepted."), code="unsupported_type", status=415
            )
        attachment = {
            "kind": Attachment.Kind.RECORDING, "file": rec.file, "content_type": mime, "size": rec.size,
            "duration_ms": duration_ms, "sha256": digest,
        }  # fmt: skip
        event = {
            "call": str(rec.call_id), "action": "recording", "recording": str(rec.pk), "sha256": digest,
            "size": rec.size,
        }  # fmt: skip
        message = post_event(rec.call.room, rec.started_by, event, f"rec-{rec.pk.hex}", attachment)
        rec.attachment_id = message["attachment"]["id"]
        rec.content_type = mime
        rec.sha256, rec.duration_ms, rec.completed_at = digest, duration_ms, timezone.now()
        rec.save(update_fields=["attachment", "content_type", "sha256", "duration_ms", "completed_at"])
    return rec


def download(rec: Recording):
    """The completed recording's file (members have been checked); 404 if none or purged."""
    if rec.completed_at is None or rec.attachment_id is None or not default_storage.exists(rec.file):
        raise _not_found()
    return default_storage.open(rec.file, "rb"), rec.size
