"""Retention of the accounts app's records, and the account half of deleting an account
(docs/personal-data-retention.md). The daily task in mediation.privacy calls the purges."""

from __future__ import annotations

from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.crypto import blind_index
from core.retention import cutoff, delete_in_batches

from .models import PhoneCode, User


def purge_phone_codes(now: datetime, *, dry_run: bool, batch: int) -> int:
    """SMS codes issued more than RETENTION["phone_codes"] days ago (used, expired or not)."""
    return delete_in_batches(
        PhoneCode.objects.filter(created_at__lt=cutoff("phone_codes", now)), dry_run=dry_run, batch=batch
    )


def purge_sign_in_logs(now: datetime, *, dry_run: bool, batch: int) -> int:
    """django-axes' records of sign-ins (username, address, browser) past their period."""
    before = cutoff("sign_in_logs", now)
    return sum(
        delete_in_batches(model.objects.filter(attempt_time__lt=before), dry_run=dry_run, batch=batch)
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def purge_credentials(now: datetime, *, dry_run: bool, batch: int) -> int:
    """API tokens and sessions that expired more than RETENTION["credentials"] days ago.

    Expired ones no longer sign anyone in (accounts.sessions); this only removes the rows.
    Tokens are keyed by their key, not an integer id: they go in one statement per batch.
    """
    before = cutoff("credentials", now)
    tokens = Token.objects.filter(created__lt=before - settings.SESSION_TOKEN_TTL)
    count = 0
    if dry_run:
        count += tokens.count()
    else:
        while keys := list(tokens.values_list("key", flat=True)[:batch]):
            count += Token.objects.filter(key__in=keys).delete()[0]
    sessions = Session.objects.filter(expire_date__lt=before)
    if dry_run:
        return count + sessions.count()
    while keys := list(sessions.values_list("session_key", flat=True)[:batch]):
        count += Session.objects.filter(session_key__in=keys).delete()[0]
    return count


# --- deleting an account ------------------------------------------------------------------------
def anonymise_user(user: User) -> None:
    """Strip the account of everything that identifies its holder and make it unusable.

    The row stays: the disputes, messages and signatures the person took part in point to it
    (on_delete=PROTECT), and they are the legal record. Username becomes "deleted-<id>".
    Their codes, token, sign-in records and sessions go with it (the sessions' rows are
    matched by decoding; any missed one is refused anyway: the account is inactive and the
    password hash it was bound to is gone).
    """
    phone, username = user.phone, user.username
    PhoneCode.objects.filter(
        Q(user=user) | Q(phone_index=blind_index(phone)) if phone else Q(user=user)
    ).delete()
    Token.objects.filter(user=user).delete()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=username).delete()
    _delete_sessions(user.pk)
    user.username = f"deleted-{user.pk}"
    user.full_name = ""
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.phone = ""
    user.phone_verified = False
    user.id_number = ""
    user.address = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()


def _delete_sessions(user_id: int) -> None:
    """Delete the live sessions signed in as `user_id` (sessions are opaque: decode each)."""
    wanted = str(user_id)
    doomed = []
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == wanted:
            doomed.append(session.session_key)
    Session.objects.filter(session_key__in=doomed).delete()
