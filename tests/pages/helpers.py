"""Helpers shared by the page tests: a tiny PNG and the SMS outbox."""

from __future__ import annotations

import json
import re
import struct
import zlib

from django.conf import settings


def png() -> bytes:
    """A valid 1×1 PNG, enough for the type sniffing of evidence uploads."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xcc\x33\x33")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def sms_to(phone: str) -> list[dict]:
    """The SMS sent to `phone` by the file backend (settings.OUTBOX_DIR/sms), oldest first."""
    files = (settings.OUTBOX_DIR / "sms").glob("*.json")
    messages = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    return sorted((m for m in messages if m["to"] == phone), key=lambda m: m["sent_at"])


def latest_code(phone: str) -> str:
    messages = sms_to(phone)
    assert messages, f"no SMS was sent to {phone}"
    return re.search(r"\d{6}", messages[-1]["body"]).group(0)
