"""SMS backends. The default writes one JSON file per message under var/outbox/sms/."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class FileSmsBackend:
    def send(self, *, to: str, body: str, key: str | None = None) -> str:
        """`key` names the message for de-duplication: the same key twice is one file (the
        notification outbox passes one per row, as a provider's idempotency key)."""
        folder = Path(settings.OUTBOX_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        message_id = key or f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        tmp = folder / f".{message_id}.{uuid.uuid4().hex[:8]}.tmp"
        # Write then rename, so a reader never sees half a message.
        tmp.write_text(
            json.dumps({"to": to, "body": body, "sent_at": now.isoformat()}, ensure_ascii=False),
            encoding="utf-8",
        )
        tmp.rename(folder / f"{message_id}.json")
        return message_id


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str, key: str | None = None) -> str:
    if key is None:
        return get_backend().send(to=to, body=body)
    return get_backend().send(to=to, body=body, key=key)
