"""The chat's frames (docs/chat-protocol.md): checking what a client sends, shaping what the
server sends. No database."""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from accounts.models import User

from ..models import Message


class FrameError(Exception):
    """A frame the server refuses; answered with an `error` frame, the socket stays open."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def frame(self) -> dict:
        return {"type": "error", "code": self.code, "detail": self.detail}


MAX_SEQ = 2**63 - 1  # the database's bigint: a larger `after` or `seq` cannot match anything


def _no_constant(name: str):
    raise FrameError("bad_frame", "NaN and Infinity are not JSON.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e309
        raise FrameError("bad_frame", "Numbers must be finite.")
    return value


def _object(pairs: list) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):  # which one would win differs between parsers
        raise FrameError("bad_frame", "A key appears twice in one object.")
    return found


def parse(text: str):
    """A client frame's JSON (strict: no NaN/Infinity, no duplicate keys) or FrameError.
    Deep nesting (RecursionError) and over-long integers (ValueError) are bad frames too."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite, object_pairs_hook=_object)
    except FrameError:
        raise
    except (ValueError, RecursionError):
        raise FrameError("bad_frame", "Frames are JSON text.") from None


def _text(value: str, name: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no database can store it
        raise FrameError("bad_frame", f"{name} must be valid Unicode text.") from None
    return value


def _seq(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEQ:
        raise FrameError("bad_frame", f"seq must be an integer from 0 to {MAX_SEQ}.")
    return value


def check_body(body) -> str:
    """The body as stored; FrameError too_long or bad_frame (empty after trimming)."""
    if not isinstance(body, str):
        raise FrameError("bad_frame", "body must be a string.")
    if len(body) > settings.CHAT_MAX_BODY:
        raise FrameError("too_long", f"A message has at most {settings.CHAT_MAX_BODY} characters.")
    if not body.strip():
        raise FrameError("bad_frame", "body must not be empty.")
    if "\x00" in body:  # PostgreSQL cannot store it: refused the same on every database
        raise FrameError("bad_frame", "body must not contain NUL characters.")
    return _text(body, "body")


def check_client_msg_id(value) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise FrameError("bad_frame", "client_msg_id must be a string of 1 to 64 characters.")
    if "\x00" in value:
        raise FrameError("bad_frame", "client_msg_id must not contain NUL characters.")
    return _text(value, "client_msg_id")


def envelope(frame, room_id: int | None) -> None:
    """What every client frame is: an object with a type, naming no other room."""
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("bad_frame", "A frame is a JSON object with a type.")
    if "room" in frame and (room_id is None or frame["room"] != room_id or isinstance(frame["room"], bool)):
        raise FrameError("wrong_room", "This socket belongs to another room; open a socket for that room.")


def validate_frame(frame, room_id: int | None = None) -> dict:
    """A client frame checked for shape (no database): the normalised frame or FrameError.
    A frame may name its room; naming another room than the socket's is `wrong_room`."""
    envelope(frame, room_id)
    kind = frame["type"]
    if kind == "send":
        return {
            "type": "send",
            "body": check_body(frame.get("body")),
            "client_msg_id": check_client_msg_id(frame.get("client_msg_id")),
        }
    if kind == "sync":
        return {"type": "sync", "after": _seq(frame.get("after"))}
    if kind == "read":
        return {"type": "read", "seq": _seq(frame.get("seq"))}
    if kind == "typing":
        return {"type": "typing"}
    raise FrameError("bad_frame", f"Unknown frame type {kind[:40]!r}.")


def user_info(user: User, role: str) -> dict:
    return {"id": user.pk, "name": user.full_name or user.username, "role": role}


def attachment_info(pk, kind, content_type, size, duration_ms, sha256, room_id) -> dict:
    """A message's `attachment` object (docs/chat-protocol.md, "Voice notes"); its url is the
    download route, which checks the same membership as the room."""
    return {
        "id": pk, "kind": kind, "content_type": content_type, "size": size, "duration_ms": duration_ms,
        "sha256": sha256, "url": f"/api/v1/rooms/{room_id}/voice/{pk}/",
    }  # fmt: skip


def message_frame(message: Message, author: User | None = None) -> dict:
    author = author or message.author
    try:
        att = message.attachment
    except ObjectDoesNotExist:
        attachment = None
    else:
        attachment = attachment_info(
            att.pk, att.kind, att.content_type, att.size, att.duration_ms, att.sha256, message.room_id
        )
    return {
        "type": "message",
        "message": {
            "seq": message.seq,
            "id": message.pk,
            "author": user_info(author, message.author_role),
            "body": message.body,
            "sent_at": message.sent_at.isoformat(),
            "client_msg_id": message.client_msg_id,
            "attachment": attachment,
            "event": message.event,
        },
    }
