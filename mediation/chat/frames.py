"""The chat's frames (docs/chat-protocol.md): checking what a client sends, shaping what the
server sends. No database."""

from __future__ import annotations

from django.conf import settings

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


def _seq(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("bad_frame", "seq must be a non-negative integer.")
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
    return body


def check_client_msg_id(value) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise FrameError("bad_frame", "client_msg_id must be a string of 1 to 64 characters.")
    return value


def validate_frame(frame) -> dict:
    """A client frame checked for shape (no database): the normalised frame or FrameError."""
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("bad_frame", "A frame is a JSON object with a type.")
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


def message_frame(message: Message, author: User | None = None) -> dict:
    author = author or message.author
    return {
        "type": "message",
        "message": {
            "seq": message.seq,
            "id": message.pk,
            "author": user_info(author, message.author_role),
            "body": message.body,
            "sent_at": message.sent_at.isoformat(),
            "client_msg_id": message.client_msg_id,
        },
    }
