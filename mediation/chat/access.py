"""Re-checking open sockets: may this user still use this room, and may they write in it?

Asked on every heartbeat for all of a process's sockets, and after every transition of a
dispute (docs/chat-protocol.md); membership is rooms.role_in, read from plain rows.
"""

from __future__ import annotations

from accounts.models import User

from . import sql
from .rooms import NOT_A_MEMBER, NOT_AUTHENTICATED, WRITABLE_STATES, role_in


def access(user_id: int, room_id: int) -> tuple[int | None, bool]:
    """(close code or None, writable) for a user's open socket, from the database as it is
    now."""
    return access_many([(user_id, room_id)])[0]


def access_many(sockets: list[tuple[int, int]]) -> list[tuple[int | None, bool]]:
    """access() for many (user id, room id) pairs at once: two plain-SQL queries, as every
    process re-checks all its sockets on each heartbeat."""
    room_ids = sorted({room_id for _, room_id in sockets})
    user_ids = sorted({user_id for user_id, _ in sockets})
    with sql.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.party, d.state, d.mediator_id, d.claimant_phone_index, d.respondent_phone_index, d.served_at"
            " FROM mediation_room r JOIN disputes_dispute d ON d.id = r.dispute_id"
            f" WHERE r.id {sql.in_clause(room_ids)}",
            sql.in_args(room_ids),
        )
        rooms = {row[0]: sql.RoomRow(sql.DisputeRow(*row[2:]), row[1]) for row in cursor}
        cursor.execute(
            "SELECT id, is_active, phone_index, phone_verified FROM accounts_user"
            f" WHERE id {sql.in_clause(user_ids)}",
            sql.in_args(user_ids),
        )
        users = {
            pk: User(id=pk, is_active=bool(active), phone_index=index, phone_verified=bool(verified))
            for pk, active, index, verified in cursor
        }
    answers = []
    for user_id, room_id in sockets:
        room, user = rooms.get(room_id), users.get(user_id)
        if room is None or user is None:
            answers.append((NOT_A_MEMBER, False))
        elif not user.is_active:
            answers.append((NOT_AUTHENTICATED, False))
        elif role_in(room, user) is None:
            answers.append((NOT_A_MEMBER, False))
        else:
            answers.append((None, room.dispute.state in WRITABLE_STATES))
    return answers
