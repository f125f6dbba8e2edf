"""Sending one outbox row, at most once per claim, and finding rows to send again.

A worker claims a row with one conditional UPDATE (pending and due, or sending with an
expired lease → sending with a new lease): two workers given the same row (a redelivered
task, a sweep racing the first delivery) cannot both claim it, so a row is sent once.
A row is put back to pending with a later attempt on failure, and marked failed after
NOTIFY_MAX_ATTEMPTS. A worker that dies mid-send leaves the row `sending` until its lease
runs out; the sweeper then queues it again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from core import sms

from . import texts
from .models import Notification

Status = Notification.Status


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour (NOTIFY_RETRY_BASE doubling)."""
    seconds = settings.NOTIFY_RETRY_BASE * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


def claim(notification_id: int) -> Notification | None:
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, lease_until__lt=now)
        )
        .update(
            status=Status.SENDING,
            lease_until=now + timedelta(seconds=settings.NOTIFY_LEASE),
            attempts=F("attempts") + 1,
        )
    )
    return Notification.objects.get(pk=notification_id) if claimed else None


def deliver(notification_id: int) -> timedelta | None:
    """Send one row if it can be claimed. Returns the delay before a retry after a failure."""
    row = claim(notification_id)
    if row is None:
        return None
    mine = Notification.objects.filter(pk=row.pk, status=Status.SENDING)
    try:
        send(row)
    except Exception as exc:  # noqa: BLE001 - any failure of the channel is retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            mine.update(status=Status.FAILED, last_error=error, lease_until=None)
            return None
        delay = backoff(row.attempts)
        now = timezone.now()
        mine.update(
            status=Status.PENDING,
            last_error=error,
            lease_until=None,
            next_attempt_at=now + delay,
            queued_at=now,
        )
        return delay
    mine.update(status=Status.SENT, sent_at=timezone.now(), lease_until=None)
    return None


def send(row: Notification) -> None:
    if row.channel == Notification.Channel.SMS:
        sms.send_sms(to=row.address, body=sms_text(row), key=idempotency_key(row))
    elif row.channel == Notification.Channel.EMAIL:
        email(row).send(fail_silently=False)


def idempotency_key(row: Notification) -> str:
    """One name per row for providers that de-duplicate (the file backends overwrite)."""
    return f"{row.created_at:%Y%m%dT%H%M%S%f}-n{row.pk}"


def sms_text(row: Notification) -> str:
    language = texts.EN if row.language.startswith("en") else texts.ZH
    separator = ". " if language == texts.EN else "："
    return f"{texts.SMS_SIGNATURE[language]}{row.title}{separator}{row.body} {row.link}"


def email(row: Notification) -> EmailMessage:
    language = texts.EN if row.language.startswith("en") else texts.ZH
    body = render_to_string(f"notifications/email_{language}.txt", {"n": row})
    return EmailMessage(
        subject=row.title,
        body=body,
        to=[row.address],
        headers={"X-Tiaojie-Notification": str(row.pk), "X-Tiaojie-Key": idempotency_key(row)},
    )


def due_ids(limit: int) -> list[int]:
    """Rows to queue again: pending and due, not queued within NOTIFY_SWEEP_GRACE seconds,
    after rows whose lease expired (their worker died) are put back to pending."""
    now = timezone.now()
    Notification.objects.filter(status=Status.SENDING, lease_until__lt=now).update(
        status=Status.PENDING, lease_until=None, queued_at=None
    )
    quiet = now - timedelta(seconds=settings.NOTIFY_SWEEP_GRACE)
    ids = list(
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(queued_at=None) | Q(queued_at__lte=quiet))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    Notification.objects.filter(pk__in=ids).update(queued_at=now)
    return ids
