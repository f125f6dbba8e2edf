"""The "large text" switch (docs/features/accessibility.md): remembered on the user for a
signed-in visitor, in a cookie for an anonymous one, applied on the server as a class on <html>."""

from __future__ import annotations

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from .models import User

COOKIE = "tj_large_text"
COOKIE_AGE = 365 * 24 * 3600
# The switch's form posts "1" (large) or "0" (normal); anything else is refused.
VALUES = {"1": True, "0": False}


def parse(raw) -> bool | None:
    """True/False for a value the switch sends, None for anything else."""
    return VALUES.get(raw) if isinstance(raw, str) else None


def is_large(request) -> bool:
    """Large text for this request: the user's setting when signed in, else the cookie."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return bool(getattr(user, "large_text", False))
    return request.COOKIES.get(COOKIE) == "1"


def set_large_text(user: User, on: bool) -> None:
    """Remember the user's choice (every page, every device they sign in on)."""
    if user.large_text != on:
        user.large_text = on
        user.save(update_fields=["large_text"])


def remember(response, on: bool) -> None:
    """The cookie: an anonymous visitor's choice, and this device's copy of a user's."""
    response.set_cookie(
        COOKIE, "1" if on else "0", max_age=COOKIE_AGE, samesite="Lax", httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )  # fmt: skip


def safe_next(request) -> str:
    """Where to go back to: the form's `next` or the Referer when it is a page of this site,
    else the home page (never an open redirect)."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"
