"""Mediation chat rooms: who is a member of which room, in which capacity, and when a room
is writable (docs/chat-protocol.md). The one home of these rules: the socket, the REST
fallback, the chat page and the dispute page all ask here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute, DisputeParty
from disputes.models.parties import Capacity, Side, index_of

from ..models import Room
from . import sql

WRITABLE_STATES = (Dispute.State.IN_MEDIATION, Dispute.State.AWAITING_SIGNATURES)

# Close codes (docs/chat-protocol.md): the consumer accepts, then closes with one of these.
NOT_AUTHENTICATED, NOT_A_MEMBER, NO_SUCH_ROOM = 4401, 4403, 4404


def create_rooms(dispute: Dispute) -> list[Room]:
    """The joint room and one caucus per party that takes part; idempotent (a second mediator
    finds them, a party added later gets its caucus: caucus_for)."""
    joint = Room.objects.get_or_create(dispute=dispute, kind=Room.Kind.JOINT, party="")[0]
    parties = [party for party in dispute.parties.order_by("side", "position") if party.takes_part]
    return [joint, *(caucus_for(party) for party in parties)]


def caucus_for(party: DisputeParty) -> Room:
    """The caucus room of one party (created if missing)."""
    return Room.objects.get_or_create(
        dispute_id=party.dispute_id, kind=Room.Kind.CAUCUS, party_record=party, defaults={"party": party.side}
    )[0]


def several_parties(dispute: Dispute) -> bool:
    """More than one party on a side: the room list then names each caucus's party (the
    two-party list keeps its shape, docs/api.md)."""
    return DisputeParty.objects.filter(dispute=dispute, position__gt=0).exists()


def uses_chat(dispute: Dispute, user: User) -> bool:
    """The parties and the current mediator use a dispute's chat; staff who see it do not."""
    return dispute.is_party(user) or dispute.is_mediator(user)


def role_in(room: Room, user: User) -> str | None:
    """The capacity in which `user` is a member of `room` (None: not a member): "mediator",
    or the side ("claimant", "respondent") of the party they are or represent.

    Derived from the dispute as it is now: the current mediator; every party that takes part
    (a respondent once served) by verified phone, an organisation through its contact; and
    their agents and guardians with an approved authorisation that allows chatting. The joint
    room admits them all; a caucus room its own party (and its representatives) and the
    mediator, never another party, even one on the same side.
    """
    return roles_of([(room, user)])[0]


_UNDECIDED = object()


def roles_of(pairs: list[tuple]) -> list[str | None]:
    """role_in for many (room, user) pairs: rooms as models or sql.RoomRow. The mediator and a
    lead party whose lead row is known (sql.room_row) cost no query; everyone else together
    costs one (acting_parties), cached on a model dispute for the next room."""
    found = [_fast_role(room, user) for room, user in pairs]
    need = {
        (_dispute_id(room), index_of(user))
        for (room, user), role in zip(pairs, found, strict=True)
        if role is _UNDECIDED and _cached(room, user) is None
    }
    looked = acting_parties(need) if need else {}
    roles = []
    for (room, user), role in zip(pairs, found, strict=True):
        if role is _UNDECIDED:
            key = (_dispute_id(room), index_of(user))
            parties = _cached(room, user)
            if parties is None:
                parties = looked.get(key, {})
                _cache(room, user, parties)
            role = _slow_role(room, parties)
        roles.append(role)
    return roles


def _dispute_id(room) -> int:
    return room.dispute.pk


def _cached(room, user) -> dict | None:
    cache = getattr(room.dispute, "_chat_acting", None)
    return None if cache is None else cache.get(index_of(user))


def _cache(room, user, parties: dict) -> None:
    if isinstance(room.dispute, Dispute):  # a model instance lives one request; rows are not cached
        room.dispute.__dict__.setdefault("_chat_acting", {})[index_of(user)] = parties


def _fast_role(room, user):
    """The role without a query, or _UNDECIDED (the parties the user acts for are needed)."""
    if not user.is_authenticated or not user.is_active:
        return None
    dispute = room.dispute
    if dispute.is_mediator(user):
        return "mediator"
    if not user.phone_verified:
        return None
    served = dispute.served_at is not None
    mine = index_of(user)
    if not mine:
        return None
    caucus = room.party_record
    if caucus is not None:
        if not caucus.takes_part or (caucus.side == Side.RESPONDENT and not served):
            return None
        return caucus.side if caucus.phone_index == mine else _UNDECIDED
    leads = (
        (Side.CLAIMANT, dispute.claimant_phone_index, getattr(dispute, "claimant_lead_in", None), True),
        (
            Side.RESPONDENT,
            dispute.respondent_phone_index,
            getattr(dispute, "respondent_lead_in", None),
            served,
        ),
    )
    for side, index, lead_in, may in leads:
        if mine == index and may and lead_in:
            return str(side)
    return _UNDECIDED


def _slow_role(room, parties: dict[int, str]) -> str | None:
    """The role from the parties (id -> side) the user acts for in chat and that take part."""
    served = room.dispute.served_at is not None
    sides = {side for side in parties.values() if side == Side.CLAIMANT or served}
    caucus = room.party_record
    if caucus is not None:
        return caucus.side if caucus.id in parties and caucus.side in sides else None
    for side in (Side.CLAIMANT, Side.RESPONDENT):
        if side in sides:
            return str(side)
    return None


_ACTING = (
    "SELECT p.dispute_id, p.phone_index, p.id, p.side FROM disputes_disputeparty p"
    " WHERE p.dispute_id {disputes} AND p.phone_index {indexes} AND {taking_part}"
    " UNION ALL SELECT p.dispute_id, r.phone_index, p.id, p.side FROM disputes_representative r"
    " JOIN disputes_disputeparty p ON p.id = r.party_id"
    " WHERE p.dispute_id {disputes} AND r.phone_index {indexes} AND {taking_part}"
    " AND r.status = 'approved' AND (r.kind = 'guardian' OR r.may_chat)"
)
_TAKING_PART = (
    "((p.side = 'claimant' AND p.withdrawn_at IS NULL) OR (p.side = 'respondent' AND p.answer <> 'declined'))"
)


def acting_parties(keys: set[tuple[int, str]]) -> dict[tuple[int, str], dict[int, str]]:
    """{(dispute id, phone index): {party id: side}}: the parties taking part that each phone
    is, is the contact of, or represents with an approved authorisation allowing chat
    (Representative.allows("chat")). One plain-SQL query for them all."""
    disputes = sorted({key[0] for key in keys})
    indexes = sorted({key[1] for key in keys})
    query = _ACTING.format(
        disputes=sql.in_clause(disputes), indexes=sql.in_clause(indexes), taking_part=_TAKING_PART
    )
    found: dict[tuple[int, str], dict[int, str]] = {}
    with sql.cursor() as cursor:
        cursor.execute(query, [*sql.in_args(disputes), *sql.in_args(indexes)] * 2)
        for dispute_id, index, party_id, side in cursor:
            if (dispute_id, index) in keys:
                found.setdefault((dispute_id, index), {})[party_id] = side
    return found


def members(room: Room) -> dict[int, dict]:
    """Everyone who is a member of `room` now, {user id: {name, role, capacity, for}}: role as
    role_in gives it; capacity party, legal_representative (an organisation's contact), agent,
    guardian or mediator; `for` the id of the party they act for (None: the mediator). Parties
    first (claimants, then respondents, by position), each followed by its representatives."""
    dispute = room.dispute
    served = dispute.served_at is not None
    parties = DisputeParty.objects.filter(dispute=dispute).prefetch_related("representatives")
    if room.party_record_id is not None:
        parties = parties.filter(pk=room.party_record_id)
    wanted: dict[str, tuple] = {}  # phone index -> (side, capacity, party id), first wins
    for party in sorted(parties, key=lambda p: (p.side != Side.CLAIMANT, p.position)):
        if not party.takes_part or (party.side == Side.RESPONDENT and not served):
            continue
        capacity = Capacity.LEGAL_REPRESENTATIVE if party.is_organisation else Capacity.PARTY
        wanted.setdefault(party.phone_index, (party.side, capacity, party.pk))
        for rep in party.representatives.all():
            if rep.allows("chat"):
                wanted.setdefault(rep.phone_index, (party.side, rep.kind, party.pk))
    order = {index: n for n, index in enumerate(wanted)}
    users = User.objects.filter(phone_index__in=list(wanted), phone_verified=True, is_active=True)
    found = {}
    for user in sorted(users, key=lambda u: (order[u.phone_index], u.pk)):
        side, capacity, party_id = wanted[user.phone_index]
        found[user.pk] = {
            "name": user.display_name,
            "role": str(side),
            "capacity": str(capacity),
            "for": party_id,
        }
    mediator = dispute.mediator
    if mediator is not None and mediator.is_active and mediator.pk not in found:
        found[mediator.pk] = {
            "name": mediator.display_name,
            "role": "mediator",
            "capacity": "mediator",
            "for": None,
        }
    return found


def is_writable(room: Room) -> bool:
    return room.dispute.state in WRITABLE_STATES


def open_for(user: User, room_id: int) -> tuple[Room | None, int | None]:
    """The room and None if `user` may open it, else (room or None, close code)."""
    if not user.is_authenticated or not user.is_active:
        return None, NOT_AUTHENTICATED
    room = Room.objects.select_related("dispute", "party_record").filter(pk=room_id).first()
    if room is None:
        return None, NO_SUCH_ROOM
    if role_in(room, user) is None:
        return room, NOT_A_MEMBER
    return room, None


def rooms_for(dispute: Dispute, user: User) -> list[Room]:
    """The rooms of a dispute that `user` is a member of (joint first, then caucuses)."""
    rooms = list(Room.objects.filter(dispute=dispute).select_related("party_record").order_by("id"))
    for room in rooms:
        room.dispute = dispute
    return [room for room in rooms if role_in(room, user) is not None]


def visible_room(user: User, room_id: int) -> Room:
    """The room if its dispute is visible to `user`; ServiceError 404 otherwise (REST). Whether
    they are a member is the caller's next question (chat.permissions.RoomMember: 403)."""
    room = Room.objects.select_related("dispute", "party_record").filter(pk=room_id).first()
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
