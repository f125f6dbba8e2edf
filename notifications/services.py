"""Writing the outbox and reading the inbox.

`notify` is the one entry point for the apps that decide who is told of what (disputes'
notices, for every timeline event): it writes one row per recipient and channel in the
caller's transaction, so notices commit or roll back with the change that causes them, and
delivery starts after commit (notifications.delivery). This app decides channels, texts,
preferences and delivery; it knows nothing of disputes (docs/features/notifications.md).
"""

from __future__ import annotations

import itertools
import logging
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import delivery, push, texts
from .models import Notification, Preference

log = logging.getLogger(__name__)
Channel = Notification.Channel


@dataclass
class Recipient:
    user: User | None
    phone: str
    email: str
    language: str
    text: str  # text key in notifications.texts

    @classmethod
    def for_user(cls, user: User, text: str) -> Recipient:
        return cls(user, user.phone if user.phone_verified else "", user.email, user.language, text)


def notify(
    recipients: list[Recipient],
    *,
    kind: str,
    values: dict,
    link: str,
    legal: bool = False,
    dispute_id: int | None = None,
    event=None,
) -> list[Notification]:
    """Write the outbox rows for one happening; push and deliver them after commit.

    `kind` names the happening, `values` fill the texts' placeholders ({ref}, {subject},
    {due}, ...), `legal` notices go out on every channel whatever the preferences. Each
    recipient gets the in-app notice (with an account), SMS (with a phone) and email.
    """
    if not recipients:
        return []
    prefs = {p.user_id: p for p in Preference.objects.filter(user__in=[r.user for r in recipients if r.user])}
    now = timezone.now()
    rows = []
    for r in recipients:
        title, body = texts.render(r.text, r.language, values)
        common = dict(
            user=r.user, dispute_id=dispute_id, event=event, kind=kind, language=r.language,
            legal=legal, title=title, body=body, link=link, created_at=now, next_attempt_at=now, queued_at=now,
        )  # fmt: skip
        pref = prefs.get(r.user.pk) if r.user else None
        if r.user is not None:
            rows.append(
                Notification(channel=Channel.IN_APP, status=Notification.Status.SENT, sent_at=now, **common)
            )
        if r.phone and (legal or pref is None or pref.sms):
            rows.append(Notification(channel=Channel.SMS, address=r.phone, **common))
        if r.email and (legal or pref is None or pref.email):
            rows.append(Notification(channel=Channel.EMAIL, address=r.email, **common))
    created = Notification.objects.bulk_create(rows)
    # The SMS and email rows of the whole transaction go out together: the first of its
    # after_commit calls queues them all, in tasks of NOTIFY_BATCH rows.
    seq = next(_written)
    outgoing(transaction.get_connection()).append(
        (seq, [r.pk for r in created if r.channel != Channel.IN_APP])
    )
    transaction.on_commit(partial(after_commit, created, seq))
    return created


_written = itertools.count()


def outgoing(connection) -> list[tuple[int, list[int]]]:
    """(sequence number, SMS and email row ids) of each `notify` on this connection whose
    rows are not queued yet."""
    if not hasattr(connection, "tiaojie_outgoing"):
        connection.tiaojie_outgoing = []
    return connection.tiaojie_outgoing


def take_outgoing(since: int) -> list[int]:
    """The ids written since `since` (the first after_commit of a commit takes its whole
    transaction's rows). Older entries are dropped: their transaction rolled back, since a
    committed one would have taken them. Entries of a savepoint rolled back inside this
    transaction are taken too, and harmless: a task finds nothing to claim under their ids
    (or, where SQLite reused an id, a row of this transaction, claimed once).
    """
    pending = outgoing(transaction.get_connection())
    ids = dict.fromkeys(pk for seq, group in pending if seq >= since for pk in group)
    pending.clear()
    return list(ids)


_inline = ContextVar("notifications_inline", default=False)


@contextmanager
def delivered_inline():
    """Notices committed inside this block are sent by this process, not queued for the
    worker: the demo seed's hundreds of notices (docs/features/notifications.md)."""
    reset = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(reset)


def after_commit(rows: list[Notification], seq: int) -> None:
    """Push in-app notices to open sockets; queue the transaction's SMS and email rows.

    If the broker is down the rows stay pending and the sweeper queues them later.
    """
    for row in rows:
        if row.channel == Channel.IN_APP:
            try:
                push.notify_user(row)
            except Exception:  # noqa: BLE001 - a push is a courtesy; the inbox has the notice
                log.warning("live push failed for notification %s", row.pk, exc_info=True)
    ids = take_outgoing(seq)
    if not ids:
        return
    if _inline.get():
        deliver_now(ids)
        return
    from .tasks import queue

    try:
        queue(ids)
    except Exception:  # noqa: BLE001 - the broker is unreachable: the sweeper will queue them
        log.warning("broker unreachable; %d notifications left to the sweeper", len(ids), exc_info=True)


def deliver_now(ids: list[int]) -> None:
    """Send rows in this process, in batches; failures wait for the sweeper."""
    size = settings.NOTIFY_BATCH
    for start in range(0, len(ids), size):
        delivery.deliver(ids[start : start + size], token=f"inline-{uuid.uuid4().hex}")


# --- the inbox ------------------------------------------------------------------------------------
def inbox(user):
    return Notification.objects.filter(user=user, channel=Channel.IN_APP)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox(user).filter(read_at=None).count()


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=notification.read_at)
    return notification


def mark_all_read(user) -> int:
    return inbox(user).filter(read_at=None).update(read_at=timezone.now())


def preference_for(user) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def set_preference(user, *, sms: bool, email: bool) -> Preference:
    pref, _ = Preference.objects.update_or_create(user=user, defaults={"sms": sms, "email": email})
    return pref
