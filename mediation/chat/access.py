"""Re-checking open sockets: may this user still use this room, and may they write in it?

Asked on every heartbeat for all of a process's sockets, and after every transition of a
dispute (docs/chat-protocol.md); membership is rooms.role_in, read from plain rows.
"""

from __future__ import annotations

from accounts.models import User

from . import sql
from .rooms import NOT_A_MEMBER, NOT_AUTHENTICATED, WRITABLE_STATES, roles_of


def access(user_id: int, room_id: int) -> tuple[int | None, bool]:
    """(close code or None, writable) for a user's open socket, from the database as it is
    now."""
    return access_many([(user_id, room_id)])[0]


def access_many(sockets: list[tuple[int, int]]) -> list[tuple[int | None, bool]]:
    """access() for many (user id, room id) pairs at once: two plain-SQL queries (a third when
    some socket is not a lead party's or the mediator's: rooms.roles_of), as every process
    re-checks all its sockets on each heartbeat."""
    room_ids = sorted({room_id for _, room_id in sockets})
    user_ids = sorted({user_id for user_id, _ in sockets})
    with sql.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, {sql.ROOM_COLUMNS} FROM mediation_room r {sql.ROOM_JOINS}"
            f" WHERE r.id {sql.in_clause(room_ids)}",
            sql.in_args(room_ids),
        )
        rooms = {row[0]: sql.room_row(row[1:]) for row in cursor}
        cursor.execute(
            "SELECT id, is_active, phone_index, phone_verified FROM accounts_user"
            f" WHERE id {sql.in_clause(user_ids)}",
            sql.in_args(user_ids),
        )
        users = {
            pk: User(id=pk, is_active=bool(active), phone_index=index, phone_verified=bool(verified))
            for pk, active, index, verified in cursor
        }
    known = [(rooms[r], users[u]) for u, r in sockets if r in rooms and u in users and users[u].is_active]
    roles = dict(zip([(id(room), id(user)) for room, user in known], roles_of(known), strict=True))
    answers = []
    for user_id, room_id in sockets:
        room, user = rooms.get(room_id), users.get(user_id)
        if room is None or user is None:
            answers.append((NOT_A_MEMBER, False))
        elif not user.is_active:
            answers.append((NOT_AUTHENTICATED, False))
        elif roles[(id(room), id(user))] is None:
            answers.append((NOT_A_MEMBER, False))
        else:
            answers.append((None, room.dispute.state in WRITABLE_STATES))
    return answers
