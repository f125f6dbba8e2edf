"""TURN credentials for calls (docs/features/calls.md): the TURN REST API convention that coturn
implements with `use-auth-secret` / `static-auth-secret`. The username is "<expiry>:<user id>"
(expiry in Unix seconds), the credential base64(HMAC-SHA1(secret, username)); coturn recomputes
it from the shared secret and refuses it past the expiry. Nothing is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from . import conf


def credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def ice_servers(user_id: int, now: float | None = None) -> dict:
    """{"ice_servers": [...], "ttl": seconds, "relay_only": bool} for an RTCPeerConnection.
    Without TURN_URLS only STUN (if any) and host candidates are used."""
    ttl = int(conf.get("TURN_TTL"))
    servers = []
    stun = list(conf.get("STUN_URLS"))
    if stun:
        servers.append({"urls": stun})
    turn = list(conf.get("TURN_URLS"))
    if turn:
        username = f"{int(now if now is not None else time.time()) + ttl}:{user_id}"
        servers.append(
            {"urls": turn, "username": username, "credential": credential(conf.get("TURN_SECRET"), username)}
        )
    return {
        "ice_servers": servers,
        "ttl": ttl,
        "relay_only": bool(conf.get("TURN_RELAY_ONLY")) and bool(turn),
    }
