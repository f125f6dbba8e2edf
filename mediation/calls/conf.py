"""The calls' settings (docs/features/calls.md). Each is a Django setting when config/settings.py or
a test sets it, else read from the environment with the default below:

TURN_SECRET (TIAOJIE_TURN_SECRET or TIAOJIE_TURN_SECRET_FILE; the embedded default keeps a
generated one in var/tiaojie_turn_secret, which scripts/serve hands to coturn), TURN_URLS
(TIAOJIE_TURN_URLS, comma separated; empty: no TURN), TURN_TTL (TIAOJIE_TURN_TTL, seconds),
STUN_URLS (TIAOJIE_STUN_URLS), TURN_RELAY_ONLY (TIAOJIE_TURN_RELAY_ONLY: browsers use relayed
candidates only), CALL_SDP_MAX, CALL_CANDIDATE_MAX (bytes), CALL_SIGNAL_BURST and
CALL_SIGNAL_RATE (signalling frames per user per call).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from django.conf import settings

DEFAULT_TURN_URLS = "turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp"


def _list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _secret() -> str:
    path = os.environ.get("TIAOJIE_TURN_SECRET_FILE")
    if path:
        return Path(path).read_text().strip()
    if os.environ.get("TIAOJIE_TURN_SECRET"):
        return os.environ["TIAOJIE_TURN_SECRET"]
    key_file = Path(settings.VAR_DIR) / "tiaojie_turn_secret"
    if not key_file.exists():  # like the data keys (config/settings.py): owner-only, once
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    return key_file.read_text().strip()


_ENV = {
    "TURN_URLS": lambda: _list(os.environ.get("TIAOJIE_TURN_URLS", DEFAULT_TURN_URLS)),
    "TURN_TTL": lambda: int(os.environ.get("TIAOJIE_TURN_TTL") or 3600),
    "STUN_URLS": lambda: _list(os.environ.get("TIAOJIE_STUN_URLS", "")),
    "TURN_RELAY_ONLY": lambda: (
        os.environ.get("TIAOJIE_TURN_RELAY_ONLY", "").lower() in ("1", "true", "yes", "on")
    ),
    "TURN_SECRET": _secret,
    "CALL_SDP_MAX": lambda: 16 * 1024,
    "CALL_CANDIDATE_MAX": lambda: 1024,
    "CALL_SIGNAL_BURST": lambda: 50,
    "CALL_SIGNAL_RATE": lambda: 20,
}
_cache: dict = {}


def get(name: str):
    """A calls setting: the Django setting if there is one, else the environment's."""
    if hasattr(settings, name):
        return getattr(settings, name)
    if name not in _cache:
        _cache[name] = _ENV[name]()
    return _cache[name]
