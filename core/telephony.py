"""Telephony backends: placing the calls of a phone session (docs/features/sessions.md).

Modelled on core.sms: TELEPHONY_BACKEND names a class with `dial(*, to, caller_id, session_ref,
key) -> call id`. The default writes one JSON file per call under var/outbox/calls/ and places
nothing; a provider's backend (a click-to-call or SIP trunk API) replaces it by setting.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class FileTelephonyBackend:
    def dial(self, *, to: str, caller_id: str = "", session_ref: str, key: str) -> str:
        """Write {"to", "caller_id", "session_ref", "key", "dialled_at"} to <key>.json.

        `key` names the call for de-duplication, as a provider's idempotency key: the same key
        twice is one file, and the call id returned is the key."""
        folder = Path(settings.OUTBOX_DIR) / "calls"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{key}.json"
        if target.exists():
            return key
        now = timezone.now()
        tmp = folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
        # Write then rename, so a reader never sees half a call.
        payload = {"to": to, "caller_id": caller_id, "session_ref": session_ref, "key": key}
        tmp.write_text(
            json.dumps({**payload, "dialled_at": now.isoformat()}, ensure_ascii=False), encoding="utf-8"
        )
        tmp.rename(target)
        return key


def get_backend():
    return import_string(settings.TELEPHONY_BACKEND)()


def dial(*, to: str, session_ref: str, key: str, caller_id: str | None = None) -> str:
    if caller_id is None:  # the number the callees see (optional setting)
        caller_id = getattr(settings, "TELEPHONY_CALLER_ID", "")
    return get_backend().dial(to=to, caller_id=caller_id, session_ref=session_ref, key=key)
