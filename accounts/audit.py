"""Audit entries that carry the request's client address (docs/personal-data-audit.md)."""

from __future__ import annotations

from core import audit

from .lockout import client_ip


def record_request(request, action: str, **kwargs):
    """core.audit.record with the signed-in user as actor and the client's address (a Django or
    DRF request; None: no request, no address)."""
    user = getattr(request, "user", None) if request is not None else None
    actor = user if getattr(user, "is_authenticated", False) else None
    return audit.record(
        action, actor=kwargs.pop("actor", actor), ip=client_ip(request) if request else None, **kwargs
    )
