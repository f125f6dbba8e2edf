"""The chat's rate limit: CHAT_RATE frames a second per user and room, shared by all of that
user's sockets in every process and by REST sending (docs/chat-protocol.md#limits).

Two tiers. A token bucket in this process per (user, room), shared by the user's sockets
here, refuses a flood without any I/O. Frames it lets through are counted in the cache
(Redis in the stack, the local-memory cache in the embedded default) in a window per
calendar second, which all processes share. If the cache is unreachable the local bucket
alone limits (per process), so a cache fault does not stop the chat.
"""

from __future__ import annotations

import logging
import time
import weakref

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


class Bucket:
    """A token bucket: `rate` frames a second, bursts of up to `burst` (default `rate`)."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.burst = rate if burst is None else burst
        self.tokens = self.burst
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


# Held by the sockets that use them: a bucket goes when the user's last socket here closes.
_buckets: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def local_bucket(user_id: int, room_id: int) -> Bucket:
    """This process's bucket for a user in a room (keep a reference while it is used)."""
    key = (user_id, room_id)
    bucket = _buckets.get(key)
    if bucket is None or bucket.rate != settings.CHAT_RATE:
        bucket = _buckets[key] = Bucket(settings.CHAT_RATE)
    return bucket


def take_shared(user_id: int, room_id: int) -> bool:
    """Count one frame in the shared window of this second; False past CHAT_RATE."""
    key = f"chat-rate:{user_id}:{room_id}:{int(time.time())}"
    try:
        cache.add(key, 0, timeout=3)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=3)
            count = 1
    except Exception:  # the cache is down: the local bucket still limits
        log.warning("chat rate cache unreachable", exc_info=True)
        return True
    return count <= settings.CHAT_RATE
