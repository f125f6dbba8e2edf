"""Mediation chat rooms: who is a member of which room, in which capacity, and when a room
is writable (docs/chat-protocol.md). The one home of these rules: the socket, the REST
fallback, the chat page and the dispute page all ask here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute

from ..models import Room

WRITABLE_STATES = (Dispute.State.IN_MEDIATION, Dispute.State.AWAITING_SIGNATURES)

# Close codes (docs/chat-protocol.md): the consumer accepts, then closes with one of these.
NOT_AUTHENTICATED, NOT_A_MEMBER, NO_SUCH_ROOM = 4401, 4403, 4404


def create_rooms(dispute: Dispute) -> list[Room]:
    """The joint room and one caucus per party; idempotent (a second mediator finds them)."""
    specs = [
        (Room.Kind.JOINT, ""),
        (Room.Kind.CAUCUS, Room.Party.CLAIMANT),
        (Room.Kind.CAUCUS, Room.Party.RESPONDENT),
    ]
    return [Room.objects.get_or_create(dispute=dispute, kind=kind, party=party)[0] for kind, party in specs]


def uses_chat(dispute: Dispute, user: User) -> bool:
    """The parties and the current mediator use a dispute's chat; staff who see it do not."""
    return dispute.is_party(user) or dispute.is_mediator(user)


def role_in(room: Room, user: User) -> str | None:
    """The capacity in which `user` is a member of `room` (None: not a member).

    Derived from the dispute as it is now: the current mediator, and the parties by verified
    phone. A caucus room admits its own party and the mediator, never the other party.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    dispute = room.dispute
    if dispute.is_mediator(user):
        return "mediator"
    if dispute.is_claimant(user) and room.party in ("", Room.Party.CLAIMANT):
        return "claimant"
    if dispute.is_respondent(user) and room.party in ("", Room.Party.RESPONDENT):
        return "respondent"
    return None


def members(room: Room) -> dict[int, dict]:
    """Everyone who is a member of `room` now, {user id: {name, role}} (role_in decides)."""
    dispute = room.dispute
    parties = User.objects.filter(
        phone_index__in=[dispute.claimant_phone_index, dispute.respondent_phone_index],
        phone_verified=True,
        is_active=True,
    ).order_by("pk")
    users = sorted(parties, key=lambda user: user.phone != dispute.claimant_phone)  # claimant first
    if dispute.mediator is not None:
        users.append(dispute.mediator)
    found = {}
    for user in users:
        role = role_in(room, user)
        if role is not None:
            found[user.pk] = {"name": user.display_name, "role": role}
    return found


def is_writable(room: Room) -> bool:
    return room.dispute.state in WRITABLE_STATES


def open_for(user: User, room_id: int) -> tuple[Room | None, int | None]:
    """The room and None if `user` may open it, else (room or None, close code)."""
    if not user.is_authenticated or not user.is_active:
        return None, NOT_AUTHENTICATED
    room = Room.objects.select_related("dispute").filter(pk=room_id).first()
    if room is None:
        return None, NO_SUCH_ROOM
    if role_in(room, user) is None:
        return room, NOT_A_MEMBER
    return room, None


def rooms_for(dispute: Dispute, user: User) -> list[Room]:
    """The rooms of a dispute that `user` is a member of (joint first, then caucuses)."""
    rooms = list(Room.objects.filter(dispute=dispute).order_by("id"))
    for room in rooms:
        room.dispute = dispute
    return [room for room in rooms if role_in(room, user) is not None]


def visible_room(user: User, room_id: int) -> Room:
    """The room if its dispute is visible to `user`; ServiceError 404 otherwise (REST). Whether
    they are a member is the caller's next question (chat.permissions.RoomMember: 403)."""
    room = Room.objects.select_related("dispute").filter(pk=room_id).first()
    if room is None or not Dispute.objects.visible_to(user).filter(pk=room.dispute_id).exists():
        raise ServiceError(_("Not found."), code="not_found", status=404)
    return room


def room_state(room_id: int) -> tuple[int, bool]:
    """(last_seq, writable) of a room as committed now."""
    room = Room.objects.select_related("dispute").get(pk=room_id)
    return room.last_seq, is_writable(room)


def lock_rooms(dispute: Dispute) -> list[int]:
    """Lock a dispute's rooms inside a transition's transaction (see store._store); their ids.

    In id order, as store._store locks them, so the two never deadlock."""
    rooms = Room.objects.select_for_update().filter(dispute=dispute).order_by("pk")
    return list(rooms.values_list("pk", flat=True))
