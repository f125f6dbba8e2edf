"""Session reminders: each attendee is reminded the day before and an hour before, once each
(docs/features/sessions.md). Beat runs `sweep` every five minutes (session-reminders).

Working days: the day-before reminder goes out on the last working day before the session's
date, at the session's clock time (a Monday 10:00 session is reminded on Friday at 10:00 when
the weekend is off; the holiday calendar and adjusted working days of disputes.sla.calendar
decide). A reminder is sent only if its moment came after the session's current version was
written (a session scheduled or changed late is announced by that notice instead), the
day-before one only until the hour-before one is due, and neither once the session started.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from disputes.sla.calendar import is_working_day

from ..chat import rooms
from ..models import Session, SessionReminder
from . import services

Kind = SessionReminder.Kind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MAX_WALK = 60  # days walked back looking for a working day


def previous_working_day(day: dt.date) -> dt.date:
    """The last working day before `day`."""
    for _ in range(MAX_WALK):
        day -= DAY
        if is_working_day(day):
            return day
    return day


def next_working_day(day: dt.date) -> dt.date:
    for _ in range(MAX_WALK):
        day += DAY
        if is_working_day(day):
            return day
    return day


def due_moments(session: Session) -> dict[str, dt.datetime]:
    """When each reminder of the session's current version is due."""
    start = timezone.localtime(session.starts_at)
    day = previous_working_day(start.date())
    day_before = timezone.make_aware(dt.datetime.combine(day, start.time().replace(tzinfo=None)))
    return {Kind.DAY_BEFORE: day_before, Kind.HOUR_BEFORE: session.starts_at - HOUR}


def due_kinds(session: Session, now: dt.datetime) -> list[str]:
    if session.status != Session.Status.SCHEDULED or session.starts_at <= now:
        return []
    moments = due_moments(session)
    due = []
    for kind, moment in moments.items():
        if moment > now or moment <= session.updated_at:
            continue
        if kind == Kind.DAY_BEFORE and now >= moments[Kind.HOUR_BEFORE]:
            continue  # the hour-before reminder says it now
        due.append(kind)
    return due


def _bound(now: dt.datetime) -> dt.datetime:
    """Sessions starting before this may have a reminder due: a session on day D is reminded the
    day before on the last working day before D, so D is at most the next working day."""
    today = timezone.localtime(now).date()
    after = next_working_day(today) + DAY
    return timezone.make_aware(dt.datetime.combine(after, dt.time()))


def sweep(now: dt.datetime | None = None, *, batch: int | None = None) -> int:
    """Send the reminders due, each session in its own transaction; the number sent. Idempotent:
    the ledger (unique per session, version, kind and user) is written with the notices."""
    now = now or timezone.now()
    batch = batch or getattr(settings, "SESSION_REMINDER_BATCH", 200)
    candidates = (
        Session.objects.filter(
            status=Session.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lt=_bound(now),
            dispute__state__in=rooms.WRITABLE_STATES,
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    sent = handled = 0
    for pk in list(candidates):
        count = remind(pk, now)
        sent += count
        handled += bool(count)
        if handled >= batch:
            break
    return sent


def remind(session_id: int, now: dt.datetime) -> int:
    """The due reminders of one session not sent yet: ledger rows and notices together."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update().select_related("room__dispute", "dispute").get(pk=session_id)
        )
        kinds = due_kinds(session, now)
        if not kinds or session.dispute.state not in rooms.WRITABLE_STATES:
            return 0
        # Attendees still members of the room (a replaced mediator is no longer reminded).
        people = [u for u in session.attendees.all() if u.is_active and rooms.role_in(session.room, u)]
        count = 0
        for kind in kinds:
            done = set(
                SessionReminder.objects.filter(
                    session=session, version=session.version, kind=kind
                ).values_list("user_id", flat=True)
            )
            todo = [u for u in people if u.pk not in done]
            if not todo:
                continue
            SessionReminder.objects.bulk_create(
                [
                    SessionReminder(session=session, version=session.version, kind=kind, user=u, sent_at=now)
                    for u in todo
                ]
            )
            services._notify(session, todo, "session_reminder", None)
            count += len(todo)
        return count
