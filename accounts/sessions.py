"""How long a sign-in lasts: sessions and API tokens (docs/security.md).

A session ends after SESSION_IDLE_TIMEOUT without a request or SESSION_MAX_AGE after the
sign-in, whichever comes first; an API token SESSION_TOKEN_TTL after it was issued, and at
logout. `session_expires_at` and `token_expires_at` are the one place that says when: the
middleware, the token authentication and long-lived connections (websockets) ask them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings

# Session keys: when the user signed in, when they were last seen (Unix seconds).
AUTH_AT = "auth_at"
SEEN_AT = "seen_at"
# A request refreshes SEEN_AT only when it is older than this, to spare a write per request.
TOUCH_EVERY = 60


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def start(session) -> None:
    """Stamp a fresh sign-in (called on `user_logged_in`)."""
    now = time.time()
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def session_expires_at(session) -> datetime | None:
    """When this signed-in session ends if no request comes first; None if it was never stamped.

    A session signed in before stamping existed has no stamp: the middleware ends it.
    """
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, int | float) or not isinstance(seen_at, int | float):
        return None
    return _at(
        min(
            auth_at + settings.SESSION_MAX_AGE.total_seconds(),
            seen_at + settings.SESSION_IDLE_TIMEOUT.total_seconds(),
        )
    )


def session_expired(session, now: float | None = None) -> bool:
    ends = session_expires_at(session)
    return ends is None or ends.timestamp() <= (time.time() if now is None else now)


def touch(session, now: float | None = None) -> None:
    """A request was seen: the idle clock restarts (at most one session write a minute)."""
    now = time.time() if now is None else now
    if now - session.get(SEEN_AT, 0) >= TOUCH_EVERY:
        session[SEEN_AT] = now


def token_expires_at(token) -> datetime:
    """When an API token (rest_framework.authtoken Token) stops working."""
    return token.created + settings.SESSION_TOKEN_TTL


def token_expired(token) -> bool:
    return token_expires_at(token) <= datetime.now(tz=UTC)
