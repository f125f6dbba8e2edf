"""Scheduling, changing and cancelling mediation sessions (docs/features/sessions.md).

Only the dispute's current mediator schedules, changes or cancels, and only while the dispute
is in mediation or awaiting signatures. Each of these writes, in one transaction, the session,
an event message in the session's own room (a caucus session's record stays in that caucus,
which the other party, the case file and exports never read) and the attendees' notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute
from notifications.services import Recipient, notify

from ..chat import rooms, store
from ..models import Message, Room, Session

MIN_MINUTES, MAX_MINUTES = 5, 480
NOT_FOUND = "not_found"


# --- who sees what -----------------------------------------------------------------------------
def visible_sessions(dispute: Dispute, user: User):
    """The dispute's sessions `user` may see: joint ones for everyone who sees the dispute, a
    caucus session only for that room's members (its party and the mediator). The caller has
    checked that the dispute is visible."""
    sessions = Session.objects.filter(dispute=dispute).select_related("room", "dispute")
    caucus_rooms = [room.pk for room in rooms.rooms_for(dispute, user) if room.kind == Room.Kind.CAUCUS]
    return sessions.filter(Q(room__kind=Room.Kind.JOINT) | Q(room_id__in=caucus_rooms))


def visible_session(user: User, pk: int) -> Session:
    """The session if `user` may see it; ServiceError 404 otherwise (existence never leaks)."""
    session = Session.objects.select_related("room", "dispute").filter(pk=pk).first()
    if session is None or not may_see(session, user):
        raise ServiceError(_("Not found."), code=NOT_FOUND, status=404)
    return session


def may_see(session: Session, user: User) -> bool:
    if not Dispute.objects.visible_to(user).filter(pk=session.dispute_id).exists():
        return False
    return session.room.kind == Room.Kind.JOINT or rooms.role_in(session.room, user) is not None


def may_manage(session_or_dispute, user: User) -> bool:
    dispute = session_or_dispute if isinstance(session_or_dispute, Dispute) else session_or_dispute.dispute
    return dispute.is_mediator(user) and dispute.state in rooms.WRITABLE_STATES


# --- the services ------------------------------------------------------------------------------
def schedule(
    room: Room,
    *,
    by: User,
    mode: str,
    starts_at: dt.datetime,
    duration_minutes: int = 60,
    place: str = "",
    attendees: Iterable[User | int] | None = None,
    note: str = "",
) -> Session:
    """A new session in `room`; `attendees` default to the room's members (the mediator always
    attends). 403 not the mediator, 409 wrong state, 400 bad fields or attendees."""
    with transaction.atomic():
        room = _lock_room(room.pk)
        dispute = room.dispute
        _check_may_manage(dispute, by)
        now = timezone.now()
        fields = _checked(
            mode=mode, starts_at=starts_at, duration_minutes=duration_minutes, place=place, now=now
        )
        people = _checked_attendees(room, attendees, dispute)
        session = Session.objects.create(
            dispute=dispute, room=room, created_by=by, note=note or "", created_at=now, updated_at=now, **fields
        )  # fmt: skip
        session.attendees.set(people)
        _record(session, by, "scheduled")
        _notify(session, people, "session_scheduled", by)
    return session


def change(session: Session, *, by: User, **changes) -> Session:
    """Change a scheduled session's mode, time, duration, place, attendees or note (version+1).

    Everyone who attends before or after is told; reminders re-arm for the new version."""
    allowed = {"mode", "starts_at", "duration_minutes", "place", "attendees", "note"}
    unknown = set(changes) - allowed
    if not changes:
        raise ServiceError(_("Nothing to change."), code="invalid")
    if unknown:
        raise ServiceError(_("These fields cannot be changed."), code="invalid", field=sorted(unknown)[0])
    with transaction.atomic():
        room = _lock_room(session.room_id)
        session = Session.objects.select_for_update().get(pk=session.pk)
        session.room = room
        dispute = room.dispute
        _check_may_manage(dispute, by)
        _check_scheduled(session)
        now = timezone.now()
        fields = _checked(
            mode=changes.get("mode", session.mode),
            starts_at=changes.get("starts_at", session.starts_at),
            duration_minutes=changes.get("duration_minutes", session.duration_minutes),
            place=changes.get("place", session.place),
            now=now,
        )
        before = list(session.attendees.all())
        people = _checked_attendees(room, changes["attendees"], dispute) if "attendees" in changes else before
        for name, value in fields.items():
            setattr(session, name, value)
        if "note" in changes:
            session.note = changes["note"] or ""
        session.version += 1
        session.updated_at = now
        session.save()
        session.attendees.set(people)
        _record(session, by, "changed")
        _notify(session, people, "session_changed", by)
        removed = [user for user in before if user not in people]
        _notify(session, removed, "session_removed", by)
    return session


def cancel(session: Session, *, by: User, reason: str) -> Session:
    """Cancel a scheduled session with a reason; its reminders stop, the attendees are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason."), code="required", field="reason")
    if len(reason) > 1000:
        raise ServiceError(_("The reason is too long."), code="too_long", field="reason")
    with transaction.atomic():
        room = _lock_room(session.room_id)
        session = Session.objects.select_for_update().get(pk=session.pk)
        session.room = room
        _check_may_manage(room.dispute, by)
        _check_scheduled(session)
        session.status = Session.Status.CANCELLED
        session.cancel_reason = reason
        session.updated_at = timezone.now()
        session.save(update_fields=["status", "cancel_reason", "updated_at"])
        _record(session, by, "cancelled")
        _notify(session, list(session.attendees.all()), "session_cancelled", by)
    return session


# --- checks ------------------------------------------------------------------------------------
def _lock_room(room_id: int) -> Room:
    """The room locked (transitions lock it too: rooms.lock_rooms), its dispute read after."""
    return Room.objects.select_for_update().select_related("dispute").get(pk=room_id)


def check_mediator(dispute: Dispute, by: User) -> None:
    """403 unless `by` is the dispute's mediator (the API asks before reading the body)."""
    if not dispute.is_mediator(by):
        raise ServiceError(_("Only the dispute's mediator arranges sessions."), code="forbidden", status=403)


def _check_may_manage(dispute: Dispute, by: User) -> None:
    check_mediator(dispute, by)
    if dispute.state not in rooms.WRITABLE_STATES:
        raise ServiceError(
            _("Sessions are arranged only while the dispute is in mediation."), code="wrong_state", status=409
        )


def _check_scheduled(session: Session) -> None:
    if session.status != Session.Status.SCHEDULED:
        raise ServiceError(_("This session is no longer scheduled."), code="wrong_state", status=409)


def _checked(*, mode, starts_at, duration_minutes, place, now) -> dict:
    if mode not in Session.Mode.values:
        raise ServiceError(_("Choose in person or by phone."), code="invalid", field="mode")
    if not isinstance(starts_at, dt.datetime):
        raise ServiceError(_("Give the date and time."), code="invalid", field="starts_at")
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at <= now:
        raise ServiceError(_("The session must start in the future."), code="in_the_past", field="starts_at")
    try:
        duration_minutes = int(duration_minutes)
    except (TypeError, ValueError):
        duration_minutes = 0
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        raise ServiceError(
            _("The duration is between %(min)s and %(max)s minutes.")
            % {"min": MIN_MINUTES, "max": MAX_MINUTES},
            code="invalid",
            field="duration_minutes",
        )
    place = (place or "").strip()
    if mode == Session.Mode.IN_PERSON and not place:
        raise ServiceError(_("Give the place of an in-person session."), code="required", field="place")
    if len(place) > 200:
        raise ServiceError(_("The place is too long."), code="too_long", field="place")
    if mode == Session.Mode.PHONE:
        place = ""
    return {"mode": mode, "starts_at": starts_at, "duration_minutes": duration_minutes, "place": place}


def _checked_attendees(room: Room, attendees, dispute: Dispute) -> list[User]:
    """The attendees as users, all members of the room, with the mediator; 400 otherwise."""
    members = rooms.members(room)
    if attendees is None:
        ids = set(members)
    else:
        try:
            ids = {a.pk if isinstance(a, User) else int(a) for a in attendees}
        except (TypeError, ValueError):
            raise ServiceError(
                _("Choose attendees from the list."), code="invalid", field="attendees"
            ) from None
    if not ids <= set(members):
        raise ServiceError(
            _("Every attendee must be a member of the session's room."),
            code="not_a_member",
            field="attendees",
        )
    ids.add(dispute.mediator_id)
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


# --- the record and the notices ----------------------------------------------------------------
def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def summary(session: Session) -> str:
    """One line about the session in the active language (event messages, pages)."""
    when = local(session.starts_at)
    if session.mode == Session.Mode.PHONE:
        return _("by phone, %(when)s, %(minutes)s minutes") % {
            "when": when,
            "minutes": session.duration_minutes,
        }
    return _("in person, %(when)s, %(minutes)s minutes, at %(place)s") % {
        "when": when,
        "minutes": session.duration_minutes,
        "place": session.place,
    }


def _record(session: Session, by: User, action: str) -> Message:
    """The session's event in its own room, in the dispute's language."""
    with translation.override(session.dispute.language):
        lines = {
            "scheduled": _("Session scheduled: %(summary)s."),
            "changed": _("Session changed: %(summary)s."),
            "cancelled": _("Session cancelled (%(summary)s). Reason: %(reason)s"),
            "phone_started": _("Phone session started: %(summary)s."),
        }
        body = lines[action] % {"summary": summary(session), "reason": session.cancel_reason}
    return record_event(session, by, action, body)


def record_event(session: Session, by: User, action: str, body: str) -> Message:
    """Store the event message {"session": id, "action": ...} in the session's room (whose row
    the caller holds locked), once per session version and action."""
    client_msg_id = f"session-{session.pk}-v{session.version}-{action}"
    event = {"session": session.pk, "action": action}
    message, _created = store.post_event(session.room, by, "mediator", body, event, client_msg_id)
    return message


def link(session: Session) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("session", args=[session.pk])


def values(session: Session) -> dict:
    dispute = session.dispute
    return {
        "ref": dispute.reference or f"#{dispute.pk}",
        "subject": dispute.title,
        "when": local(session.starts_at),
        "minutes": session.duration_minutes,
        "place": session.place,
        "reason": session.cancel_reason,
    }


def text_key(kind: str, session: Session) -> str:
    return (
        f"{kind}:{session.mode}"
        if kind in ("session_scheduled", "session_changed", "session_reminder")
        else kind
    )


def _notify(session: Session, people: Iterable[User], kind: str, by: User | None) -> None:
    """Every attendee but the one who acted, in their language, in-app, SMS and email."""
    key = text_key(kind, session)
    recipients = [Recipient.for_user(u, key) for u in people if u.is_active and u != by]
    notify(recipients, kind=kind, values=values(session), link=link(session), dispute_id=session.dispute_id)
