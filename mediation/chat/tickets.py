"""Websocket tickets: single-use, short-lived, for clients that cannot send the session cookie
(docs/chat-protocol.md). config/ws.py redeems them when a socket connects.

A ticket remembers the sign-in that asked for it (the API token or the session), and its
socket lives only as long as that sign-in does (accounts.sockets re-reads it).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.sockets import Credential, credential_alive

from ..models import WsTicket


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def credential_of(request) -> Credential | None:
    """The credential a DRF request is signed in with: its API token, else its session."""
    from rest_framework.authtoken.models import Token

    if isinstance(request.auth, Token):
        return ("token", request.auth.key)
    session = getattr(request._request, "session", None)
    if session is not None and session.session_key and request.user.is_authenticated:
        return ("session", session.session_key)
    return None


def issue_ticket(user: User, credential: Credential) -> str:
    """A single-use ticket valid CHAT_TICKET_TTL seconds, bound to `credential` (the sign-in
    asking for it); only its digest is stored."""
    kind, key = credential
    if kind not in ("session", "token") or not key:
        raise ValueError("a ticket needs the credential that asks for it")
    now = timezone.now()
    # Expired tickets are useless: sweep them here rather than in a periodic task.
    WsTicket.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    ticket = secrets.token_urlsafe(32)
    WsTicket.objects.create(
        digest=_digest(ticket),
        user=user,
        expires_at=now + timedelta(seconds=settings.CHAT_TICKET_TTL),
        credential=f"{kind}:{key}",
    )
    return ticket


def redeem_ticket(ticket: str) -> tuple[User, Credential] | None:
    """(user, credential) if the ticket is unused and unexpired, the user active and the
    sign-in it was issued under still alive; it is used up either way.

    One conditional UPDATE claims it, so no two sockets (in any processes) share a ticket;
    the same UPDATE forgets the credential, which then lives only in the socket's scope.
    """
    if not ticket or len(ticket) > 100:
        return None
    now = timezone.now()
    row = WsTicket.objects.select_related("user").filter(digest=_digest(ticket)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    if not WsTicket.objects.filter(pk=row.pk, used_at=None).update(used_at=now, credential=""):
        return None  # another socket claimed it first
    kind, _, key = row.credential.partition(":")
    credential = (kind, key)
    if not row.user.is_active or not credential_alive(credential, row.user_id):
        return None
    return row.user, credential
