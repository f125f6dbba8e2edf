"""Who may see, write and confirm the minutes of a session (docs/features/minutes.md).

A caucus session is as confidential as its room: only the mediator and that room's party (when
they were invited or present) ever learn it exists; everyone else gets 404, staff included.
A joint session's minutes are read by the mediator, the parties who attended, and the staff
who see the dispute (they are in the case file)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute

from ..chat import rooms
from ..models import Minutes, MinutesConfirmation, Room, Session


def not_found() -> ServiceError:
    return ServiceError(_("Not found."), code="not_found", status=404)


def minutes_of(session: Session) -> Minutes | None:
    return Minutes.objects.filter(session=session).first()


def attended(session: Session, user: User) -> bool:
    """Invited to the session, or recorded as present in its minutes."""
    if session.attendees.filter(pk=user.pk).exists():
        return True
    return Minutes.objects.filter(session=session, present=user).exists()


def party_role(session: Session, user: User) -> str | None:
    """claimant or respondent if `user` is a party who is a member of the session's room."""
    role = rooms.role_in(session.room, user)
    return role if role in ("claimant", "respondent") else None


def may_see(session: Session, user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    dispute = session.dispute
    if not Dispute.objects.visible_to(user).filter(pk=dispute.pk).exists():
        return False
    if dispute.is_mediator(user):
        return True
    if party_role(session, user):
        return attended(session, user)
    if session.room.kind == Room.Kind.CAUCUS or dispute.is_party(user):
        return False  # the other party of a caucus; a party absent from a joint session
    return True  # staff who see the dispute: a joint session is part of the case file


def visible_session(user: User, session_id: int) -> Session:
    """The session if `user` may see it; 404 otherwise, whoever they are."""
    session = (
        Session.objects.select_related("room", "dispute", "dispute__mediator").filter(pk=session_id).first()
    )
    if session is None or not may_see(session, user):
        raise not_found()
    session.room.dispute = session.dispute
    return session


def confirming_parties(minutes: Minutes) -> list[User]:
    """The parties recorded as present who are members of the session's room now."""
    session = minutes.session
    return [u for u in minutes.present.all() if party_role(session, u)]


def confirmations(minutes: Minutes) -> list[MinutesConfirmation]:
    """The confirmations of the current version."""
    return list(minutes.confirmations.filter(version=minutes.version).select_related("user"))
