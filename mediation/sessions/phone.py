"""Phone sessions started from the platform (docs/features/sessions.md): the mediator presses
"dial" from SESSION_DIAL_EARLY before the start until the end; the telephony backend
(core.telephony) then calls each attending party's verified phone and the mediator's.

Once per session version: the SessionDial row is the idempotency key, written with the room's
"phone session started" event; the calls are placed by a Celery task after commit, each under
its own key, so a retried task or a second press places no call twice.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import telephony
from core.errors import ServiceError

from ..chat import rooms
from ..models import Session, SessionDial
from . import services


def start(session: Session, *, by: User, now=None) -> SessionDial:
    """Start a phone session: 403 not its mediator, 409 in person, cancelled, wrong dispute state
    or outside the window. Pressing again returns the same dial (and re-queues unplaced calls)."""
    now = now or timezone.now()
    with transaction.atomic():
        room = services._lock_room(session.room_id)
        session = Session.objects.select_for_update().get(pk=session.pk)
        session.room = room
        services._check_may_manage(room.dispute, by)
        if session.mode != Session.Mode.PHONE:
            raise ServiceError(_("Only a phone session is dialled."), code="not_phone", status=409)
        services._check_scheduled(session)
        opens = session.starts_at - dial_early()
        closes = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
        if not opens <= now <= closes:
            raise ServiceError(
                _("A phone session is started from %(minutes)s minutes before its time until its end.")
                % {"minutes": int(dial_early().total_seconds() // 60)},
                code="not_now",
                status=409,
            )
        dial = SessionDial.objects.filter(session=session, version=session.version).first()
        if dial is None:
            try:
                with transaction.atomic():
                    dial = SessionDial.objects.create(
                        session=session, version=session.version, started_by=by, started_at=now
                    )
            except IntegrityError:
                dial = SessionDial.objects.get(session=session, version=session.version)
            else:
                services._record(session, by, "phone_started")
        if len(dial.calls) < len(callees(session)):
            transaction.on_commit(partial(_queue, dial.pk))
    return dial


def dial_early() -> dt.timedelta:
    """How long before its start a phone session can be started (SESSION_DIAL_EARLY_MINUTES)."""
    return dt.timedelta(minutes=getattr(settings, "SESSION_DIAL_EARLY_MINUTES", 15))


def _queue(dial_id: int) -> None:
    place_session_calls.delay(dial_id=dial_id)


def callees(session: Session) -> list[User]:
    """Who is called: attending parties with a verified phone who are still members of the
    room, and the mediator (with a phone)."""
    found = []
    for user in session.attendees.all().order_by("pk"):
        if not user.is_active or not user.phone:
            continue
        role = rooms.role_in(session.room, user)
        if role == "mediator" or (role and user.phone_verified):
            found.append(user)
    return found


def place_calls(dial_id: int) -> dict:
    """Dial each callee under the key session-<id>-v<version>-u<user>; {user id: call id}."""
    dial = SessionDial.objects.select_related("session__room__dispute").get(pk=dial_id)
    session = dial.session
    if session.status != Session.Status.SCHEDULED or session.version != dial.version:
        return dial.calls  # cancelled or changed since: its calls are not placed
    ref = f"{session.dispute.reference or session.dispute_id}/session-{session.pk}"
    calls = dict(dial.calls)
    for user in callees(session):
        if str(user.pk) in calls:
            continue
        key = f"session-{session.pk}-v{dial.version}-u{user.pk}"
        calls[str(user.pk)] = telephony.dial(to=user.phone, session_ref=ref, key=key)
        SessionDial.objects.filter(pk=dial.pk).update(calls=calls)  # kept after each call
    return calls


@shared_task(
    name="mediation.tasks.place_session_calls", acks_late=True, autoretry_for=(Exception,), retry_backoff=True,
    max_retries=5,
)  # fmt: skip
def place_session_calls(*, dial_id: int) -> dict:
    """Place the calls of a started phone session (each under its own idempotency key)."""
    return place_calls(dial_id)
