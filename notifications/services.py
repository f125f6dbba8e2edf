"""Writing the outbox and reading the inbox.

`notify` is the one entry point for the apps that decide who is told of what (disputes'
notices, for every timeline event): it writes one row per recipient and channel in the
caller's transaction, so notices commit or roll back with the change that causes them, and
delivery starts after commit (notifications.delivery). This app decides channels, texts,
preferences and delivery; it knows nothing of disputes (docs/features/notifications.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from . import push, texts
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
    transaction.on_commit(partial(after_commit, created))
    return created


def after_commit(rows: list[Notification]) -> None:
    """Push in-app notices to open sockets; queue one delivery task per SMS/email row.

    If the broker is down the rows stay pending and the sweeper queues them later.
    """
    for row in rows:
        if row.channel == Channel.IN_APP:
            try:
                push.notify_user(row)
            except Exception:  # noqa: BLE001 - a push is a courtesy; the inbox has the notice
                log.warning("live push failed for notification %s", row.pk, exc_info=True)
    from .tasks import deliver

    for row in rows:
        if row.channel == Channel.IN_APP:
            continue
        try:
            deliver.delay(row.pk)
        except Exception:  # noqa: BLE001 - the broker is unreachable: the sweeper will queue them
            log.warning("broker unreachable; notification %s left to the sweeper", row.pk, exc_info=True)
            return


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
