"""Websocket tickets: single-use, short-lived, for clients that cannot send the session cookie
(docs/chat-protocol.md). config/ws.py redeems them when a socket connects."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User

from ..models import WsTicket


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(user: User) -> str:
    """A single-use ticket valid CHAT_TICKET_TTL seconds; only its digest is stored."""
    now = timezone.now()
    # Expired tickets are useless: sweep them here rather than in a periodic task.
    WsTicket.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    ticket = secrets.token_urlsafe(32)
    WsTicket.objects.create(
        digest=_digest(ticket), user=user, expires_at=now + timedelta(seconds=settings.CHAT_TICKET_TTL)
    )
    return ticket


def redeem_ticket(ticket: str) -> User | None:
    """The ticket's user if it is unused, unexpired and the user active; it is used up either way.

    One conditional UPDATE claims it, so no two sockets (in any processes) share a ticket.
    """
    if not ticket or len(ticket) > 100:
        return None
    now = timezone.now()
    digest = _digest(ticket)
    if not WsTicket.objects.filter(digest=digest, used_at=None, expires_at__gt=now).update(used_at=now):
        return None
    user = WsTicket.objects.select_related("user").get(digest=digest).user
    return user if user.is_active else None
