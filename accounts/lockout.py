"""Who a request comes from, and the answer to a locked-out sign-in (docs/security.md).

django-axes counts failed sign-ins per account and per client address on every sign-in
form (the pages, the admin, `POST /api/v1/auth/token/`); this module tells it which address
is the client's and how a lockout looks.
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the one TIAOJIE_PROXY_COUNT proxies saw.

    With no proxy configured X-Forwarded-For is ignored (anyone can send it). Behind N
    proxies each appends the address it received from, so the client is the N-th entry
    from the right, as DRF's throttles read it with the same NUM_PROXIES. None when that is
    not an IP address (no REMOTE_ADDR, a forged hop): axes stores it in an address column,
    which PostgreSQL checks (docs/security.md).
    """
    proxies = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return _address(hops[-min(proxies, len(hops))])
    return _address(request.META.get("REMOTE_ADDR", ""))


def client_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username axes counts failures for (as axes reads it), cut to the longest a username
    can be: axes stores it in a 255-character column, where PostgreSQL refused a longer one
    with a 500 (docs/security.md)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials or getattr(request, "data", None) or getattr(request, "POST", None)
    value = source.get(field) if hasattr(source, "get") else None
    return value[:150].replace("\x00", "") if isinstance(value, str) else value


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def cool_off_seconds() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """429 with Retry-After: the API's error envelope under /api/, the lockout page elsewhere."""
    minutes = math.ceil(cool_off_seconds() / 60)
    detail = _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        locked = JsonResponse({"detail": detail, "code": "locked_out"}, status=429)
    else:
        locked = render(request, "accounts/locked_out.html", {"detail": detail}, status=429)
    locked["Retry-After"] = str(cool_off_seconds())
    return locked


def too_many(request: HttpRequest, scope: str, *, limit: int, window: int, key: str = "") -> bool:
    """Count one request of `scope` from this client (or for `key`); True once over `limit`.

    A fixed window of `window` seconds in the cache: the pages' counterpart of the API's
    DRF throttles, for forms that are not sign-ins (axes counts those).
    """
    from django.core.cache import cache

    name = f"limit:{scope}:{key or client_ip(request) or 'unknown'}"
    if cache.add(name, 1, timeout=window):
        return limit < 1
    try:
        return cache.incr(name) > limit
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window)
        return False


def throttled_page(
    request: HttpRequest, scope: str, *, limit: int | None = None, window: int | None = None
) -> HttpResponse | None:
    """A 429 page once this client sent more than `limit` posts to `scope` in `window` seconds
    (the pages' auth-form limits by default), else None; GETs are never counted."""
    limit = settings.PAGE_AUTH_LIMIT if limit is None else limit
    window = settings.PAGE_AUTH_WINDOW if window is None else window
    if request.method != "POST" or not too_many(request, scope, limit=limit, window=window):
        return None
    response = render(
        request,
        "accounts/locked_out.html",
        {"detail": _("Too many requests from your network. Try again in a few minutes.")},
        status=429,
    )
    response["Retry-After"] = str(window)
    return response
