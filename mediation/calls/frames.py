"""The call frames a client sends over the room socket (docs/chat-protocol.md, "Calls"):
checked for shape here, no database. The room socket hands `call_*` frames here."""

from __future__ import annotations

import json
import uuid

from ..chat.frames import FrameError, envelope
from . import conf

LIFECYCLE = ("call_start", "call_join", "call_leave", "call_end")
SIGNALS = ("call_offer", "call_answer", "call_ice", "call_mute")


def _call_id(value) -> str:
    if not isinstance(value, str):
        raise FrameError("bad_frame", "call must be the call's id.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FrameError("stale_call", "This call is not the live call of this room.") from None


def _to(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise FrameError("bad_frame", "to must be a user id.")
    return value


def _sdp(value) -> str:
    if not isinstance(value, str) or not value:
        raise FrameError("bad_frame", "sdp must be a non-empty string.")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise FrameError("bad_frame", "sdp must be valid Unicode text.") from None
    if size > conf.get("CALL_SDP_MAX"):
        raise FrameError("bad_frame", f"sdp has at most {conf.get('CALL_SDP_MAX')} bytes.")
    return value


def _candidate(value) -> dict:
    """An RTCIceCandidateInit: {candidate, sdpMid, sdpMLineIndex, usernameFragment}."""
    if not isinstance(value, dict) or not isinstance(value.get("candidate"), str):
        raise FrameError("bad_frame", "candidate must be an object with a candidate string.")
    allowed = {"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}
    if set(value) - allowed:
        raise FrameError("bad_frame", "candidate has unknown keys.")
    mid, index, ufrag = value.get("sdpMid"), value.get("sdpMLineIndex"), value.get("usernameFragment")
    if mid is not None and not isinstance(mid, str):
        raise FrameError("bad_frame", "sdpMid must be a string or null.")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1024):
        raise FrameError("bad_frame", "sdpMLineIndex must be a small integer or null.")
    if ufrag is not None and not isinstance(ufrag, str):
        raise FrameError("bad_frame", "usernameFragment must be a string or null.")
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    except UnicodeEncodeError:
        raise FrameError("bad_frame", "candidate must be valid Unicode text.") from None
    if size > conf.get("CALL_CANDIDATE_MAX"):
        raise FrameError("bad_frame", f"A candidate has at most {conf.get('CALL_CANDIDATE_MAX')} bytes.")
    return value


def is_call_frame(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("type"), str) and data["type"].startswith("call_")


def validate(frame: dict, room_id: int | None = None) -> dict:
    """A `call_*` frame checked for shape (the room socket hands them here): the normalised
    frame or FrameError."""
    envelope(frame, room_id)
    kind = frame["type"]
    if kind == "call_start":
        if frame.get("media") not in ("video", "audio"):
            raise FrameError("bad_frame", "media must be video or audio.")
        return {"type": kind, "media": frame["media"]}
    if kind not in LIFECYCLE + SIGNALS:
        raise FrameError("bad_frame", f"Unknown frame type {kind[:40]!r}.")
    call = _call_id(frame.get("call"))
    if kind in LIFECYCLE:
        return {"type": kind, "call": call}
    if kind == "call_mute":
        audio, video = frame.get("audio"), frame.get("video")
        if not isinstance(audio, bool) or not isinstance(video, bool):
            raise FrameError("bad_frame", "audio and video must be true or false.")
        return {"type": kind, "call": call, "audio": audio, "video": video}
    if kind == "call_ice":
        return {
            "type": kind,
            "call": call,
            "to": _to(frame.get("to")),
            "candidate": _candidate(frame.get("candidate")),
        }
    return {"type": kind, "call": call, "to": _to(frame.get("to")), "sdp": _sdp(frame.get("sdp"))}
