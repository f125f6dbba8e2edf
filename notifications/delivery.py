"""Sending outbox rows, at most once per claim, and finding rows to send again.

Rows are delivered in batches: the rows one commit wrote, NOTIFY_BATCH to a task
(docs/features/notifications.md). A task claims its rows with one conditional UPDATE
(pending and due, or sending with an expired lease → sending, with a new lease and the
task's id in `claimed_by`), reads back the rows that carry its id, sends them one by one,
and records the sent ones with one UPDATE (and again every FLUSH_SECONDS, so a slow channel
does not leave many rows sent but unrecorded). Two tasks given the same row (a sweep racing
the first delivery, an admin's retry) cannot both claim it, so a row is sent once per claim.

A row that fails goes back to pending with a later attempt, and is marked failed after
NOTIFY_MAX_ATTEMPTS. A task whose pool process was killed mid-batch is redelivered with the
same id and takes back the rows it held at once; rows of a worker that died altogether stay
`sending` until their lease runs out, and the sweeper queues them again.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from core import sms

from . import texts
from .models import Notification

Status = Notification.Status
#: the sent rows are recorded at least this often during a batch
FLUSH_SECONDS = 1.0


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour (NOTIFY_RETRY_BASE doubling)."""
    seconds = settings.NOTIFY_RETRY_BASE * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 3600))


def claim(ids: list[int], token: str) -> list[Notification]:
    """Claim the rows among `ids` that are due, for the task `token`; returns them by id.

    A row `sending` under the same token was claimed by an earlier run of this very task,
    whose process died (a redelivered task has the same id): it is taken back at once. Two
    runs of one task never overlap: a task is redelivered only once its process is gone
    (or, on Redis, after the broker's visibility timeout, far beyond the lease).
    """
    now = timezone.now()
    claimable = (
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, lease_until__lt=now)
        | Q(status=Status.SENDING, claimed_by=token)
    )
    claimed = (
        Notification.objects.filter(pk__in=ids)
        .filter(claimable)
        .update(
            status=Status.SENDING,
            lease_until=now + timedelta(seconds=settings.NOTIFY_LEASE),
            attempts=F("attempts") + 1,
            claimed_by=token,
        )
    )
    if not claimed:
        return []
    return list(
        Notification.objects.filter(pk__in=ids, status=Status.SENDING, claimed_by=token).order_by("pk")
    )


def deliver(ids: list[int], token: str) -> dict[timedelta, list[int]]:
    """Send the rows among `ids` that can be claimed. Returns the failed rows to try again
    soon, by delay (the others are sent, failed for good, or not this task's to send)."""
    rows = claim(ids, token)
    retry: dict[timedelta, list[int]] = defaultdict(list)
    sent: list[int] = []
    flushed = time.monotonic()
    with Sender() as sender:
        for row in rows:
            try:
                sender.send(row)
            except Exception as exc:  # noqa: BLE001 - any failure of the channel is retried
                delay = failed(row, token, f"{type(exc).__name__}: {exc}"[:2000])
                if delay is not None:
                    retry[delay].append(row.pk)
                continue
            sent.append(row.pk)
            if time.monotonic() - flushed >= FLUSH_SECONDS:
                record_sent(sent, token)
                sent, flushed = [], time.monotonic()
    record_sent(sent, token)
    return dict(retry)


def record_sent(ids: list[int], token: str) -> None:
    if ids:
        Notification.objects.filter(pk__in=ids, status=Status.SENDING, claimed_by=token).update(
            status=Status.SENT, sent_at=timezone.now(), lease_until=None
        )


def failed(row: Notification, token: str, error: str) -> timedelta | None:
    """Put a row back to pending with a later attempt (returns the delay), or mark it failed."""
    mine = Notification.objects.filter(pk=row.pk, status=Status.SENDING, claimed_by=token)
    if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, last_error=error, lease_until=None)
        return None
    delay = backoff(row.attempts)
    now = timezone.now()
    mine.update(
        status=Status.PENDING, last_error=error, lease_until=None, next_attempt_at=now + delay, queued_at=now
    )
    return delay


class Sender:
    """Sends rows on their channel; one email connection for a batch (one SMTP session)."""

    def __init__(self):
        self.mail = None

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self.close_mail()

    def close_mail(self) -> None:
        if self.mail is not None:
            try:
                self.mail.close()
            finally:
                self.mail = None

    def send(self, row: Notification) -> None:
        if row.channel == Notification.Channel.SMS:
            sms.send_sms(to=row.address, body=sms_text(row), key=idempotency_key(row))
        elif row.channel == Notification.Channel.EMAIL:
            if self.mail is None:
                self.mail = get_connection(fail_silently=False)
                self.mail.open()
            try:
                email(row, self.mail).send(fail_silently=False)
            except Exception:
                self.close_mail()  # a broken session is not reused for the next row
                raise


def send(row: Notification) -> None:
    """Send one row on its channel (outside a batch)."""
    with Sender() as sender:
        sender.send(row)


def idempotency_key(row: Notification) -> str:
    """One name per row for providers that de-duplicate (the file backends overwrite)."""
    return f"{row.created_at:%Y%m%dT%H%M%S%f}-n{row.pk}"


def sms_text(row: Notification) -> str:
    language = texts.EN if row.language.startswith("en") else texts.ZH
    separator = ". " if language == texts.EN else "："
    return f"{texts.SMS_SIGNATURE[language]}{row.title}{separator}{row.body} {row.link}"


def email(row: Notification, connection=None) -> EmailMessage:
    language = texts.EN if row.language.startswith("en") else texts.ZH
    body = render_to_string(f"notifications/email_{language}.txt", {"n": row})
    return EmailMessage(
        subject=row.title,
        body=body,
        to=[row.address],
        headers={"X-Tiaojie-Notification": str(row.pk), "X-Tiaojie-Key": idempotency_key(row)},
        connection=connection,
    )


def due_ids(limit: int) -> list[int]:
    """Rows to queue again: pending and due, not queued within NOTIFY_SWEEP_GRACE seconds,
    after rows whose lease expired (their worker died) are put back to pending."""
    now = timezone.now()
    Notification.objects.filter(status=Status.SENDING, lease_until__lt=now).update(
        status=Status.PENDING, lease_until=None, queued_at=None, claimed_by=""
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
