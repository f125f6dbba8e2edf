"""Retention of notifications, and their part in deleting an account
(docs/personal-data-retention.md)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from core.crypto import blind_index
from core.retention import cutoff, delete_in_batches

from .models import Notification, Preference


def purge_notifications(now: datetime, *, dry_run: bool, batch: int) -> int:
    """Delivered notices (inbox rows included) RETENTION["notifications"] days after they
    were sent, failed ones as long after they were written. Undelivered ones are never touched."""
    before = cutoff("notifications", now)
    S = Notification.Status
    expired = Notification.objects.filter(
        Q(status=S.SENT, sent_at__lt=before) | Q(status=S.FAILED, created_at__lt=before)
    )
    return delete_in_batches(expired, dry_run=dry_run, batch=batch)


def delete_for_user(user, *, phone: str = "", email: str = "") -> int:
    """Every notice to this person, whatever its state: their inbox, and the SMS and email
    outbox rows addressed to them (also those written before they had an account), and their
    channel choices. Returns the notices deleted."""
    match = Q(user=user)
    if phone:
        match |= Q(channel=Notification.Channel.SMS, address_index=blind_index(phone))
    if email:
        match |= Q(channel=Notification.Channel.EMAIL, address_index=blind_index(email))
    Preference.objects.filter(user=user).delete()
    return Notification.objects.filter(match).delete()[1].get(Notification._meta.label, 0)
