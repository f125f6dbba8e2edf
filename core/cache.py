"""The cache is an accelerator, never a dependency: a Redis outage must not stop a transition."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)


def get_or_compute(key: str, compute: Callable[[], Any], timeout: float) -> Any:
    """The cached value, else `compute()` (stored for `timeout` seconds); computed when the cache is down."""
    try:
        value = cache.get(key)
    except Exception as exc:  # the backend's own errors (redis.ConnectionError, timeouts…)
        log.warning("cache unavailable, computing %s: %s", key, exc)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception as exc:
            log.warning("cache unavailable, not storing %s: %s", key, exc)
    return value


def forget(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as exc:
        log.warning("cache unavailable, could not drop %s: %s", key, exc)
