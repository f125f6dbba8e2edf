"""Voice notes in the chat (docs/chat-protocol.md, "Voice notes"): a recorded audio file sent
over HTTP, stored as a message of its room through the same path as text (chat.store: seq in
the database, once per client_msg_id), broadcast as a `message` frame with an `attachment`.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from accounts.models import User
from core import uploads
from core.errors import ServiceError

from ..models import Attachment, Room
from . import rooms, store
from .frames import FrameError, check_client_msg_id


def _too_large() -> ServiceError:
    return ServiceError(
        _("A voice note has at most %(mb)s MB and %(min)s minutes.")
        % {"mb": settings.CHAT_VOICE_MAX_BYTES // (1024 * 1024), "min": settings.CHAT_VOICE_MAX_MS // 60000},
        code="too_large", status=413, field="file",
    )  # fmt: skip


def check_duration(raw) -> int | None:
    """The recording's length in ms as the client measured it (optional); 413 past the limit."""
    if raw in (None, ""):
        return None
    text = str(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        raise ServiceError(_("Must be a non-negative integer."), code="invalid", field="duration_ms")
    if int(text) > settings.CHAT_VOICE_MAX_MS:
        raise _too_large()
    return int(text)


def post_voice(room: Room, user: User, upload: UploadedFile, client_msg_id, duration_ms=None) -> store.Posted:
    """Store a voice note from `user` in `room` and broadcast it after commit.

    The checks that need no lock come first (client id 400, size and length 413, type 415,
    read-only 409); the file is written before the message's transaction and removed unless
    that transaction stored a new message (a refusal, an error, or a retry of a stored one).
    """
    try:
        client_msg_id = check_client_msg_id(client_msg_id)
    except FrameError as exc:
        raise ServiceError(exc.detail, code="invalid", field="client_msg_id") from exc
    duration = check_duration(duration_ms)
    limit = settings.CHAT_VOICE_MAX_BYTES
    if upload.size > limit:
        raise _too_large()
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large()
    if not data:
        raise ServiceError(_("The file is empty."), code="invalid", field="file")
    if not rooms.is_writable(room):
        raise ServiceError(_("This room is read-only now."), code="read_only", status=409)
    inspected = uploads.inspect_audio(data)
    name = default_storage.save(f"voice/{room.pk}/{secrets.token_hex(16)}", ContentFile(inspected.content))
    attachment = {
        "kind": Attachment.Kind.VOICE,
        "file": name,
        "content_type": inspected.mime,
        "size": len(inspected.content),
        "duration_ms": duration,
        "sha256": hashlib.sha256(inspected.content).hexdigest(),
    }
    keep = False
    try:
        posted = store.post_send(store.Send(room.pk, user, "", client_msg_id, attachment))
        keep = posted.created
    finally:
        if not keep:
            default_storage.delete(name)
    return posted


def attachment_for(room: Room, attachment_id: int) -> Attachment:
    """A voice note of this room (the caller has checked membership); 404 if none, or if
    retention has removed its file."""
    found = Attachment.objects.filter(pk=attachment_id, message__room=room).exclude(file="").first()
    if found is None or not default_storage.exists(found.file.name):
        raise ServiceError(_("Not found."), code="not_found", status=404)
    return found


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `Range: bytes=a-b` header within `size`; None to send the
    whole file (no header, several ranges, or one this does not read); ValueError when the
    range lies beyond the file (416)."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.group(0) == "bytes=-":
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            raise ValueError(header)
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError(header)
    return start, end
