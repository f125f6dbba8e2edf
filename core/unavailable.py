"""A backing service that is down is a 503 with Retry-After, never a 500 (docs/security.md,
"Faults and the ledger").

Redis serves the cache (DRF's throttles, the pages' rate limits) and the Celery broker in the
production stack. While it is down, a request that needs it cannot be answered now but can be
later: the API answers its error envelope `{"detail", "code": "unavailable"}`, pages a short
page, both with `Retry-After`. Work that does not need Redis (transitions, lists, chat over the
database) goes on; the outbox delivers what waited once Redis is back.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
RETRY_AFTER = 5  # seconds


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """The errors of a backing service that is unreachable: redis-py's (cache, channel layer)
    and kombu's (the broker, once its own retries are spent)."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError, OperationalError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    detail = _("The service is briefly unavailable. Try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": detail, "code": "unavailable"}, status=503)
    else:
        response = render(request, "503.html", {"detail": detail}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class UnavailableMiddleware:
    """Turns an unreachable backing service, raised by any view (DRF's included: its exception
    handler leaves these to Django), into unavailable_response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, unavailable_errors()):
            log.warning("%s %s: backing service unavailable: %s", request.method, request.path, exception)
            return unavailable_response(request)
        return None
