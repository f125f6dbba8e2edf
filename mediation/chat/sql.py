"""Plain SQL for the chat's hot paths (storing, syncing, re-checking sockets): the cursor
and the rows the membership rule reads without model instances (docs/chat-protocol.md)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import psycopg
from django.db import connection

from disputes.models import Dispute


class DisputeRow(NamedTuple):
    """The fields of a dispute that rooms.role_in reads, with the model's own rules (hot path:
    no model instance)."""

    state: str
    mediator_id: int | None
    claimant_phone_index: str  # blind indexes (docs/personal-data-encryption.md)
    respondent_phone_index: str
    served_at: dt.datetime | None
    pk: int | None = None
    # Whether each side's lead party still takes part (None: not read; rooms asks the parties).
    claimant_lead_in: bool | None = None
    respondent_lead_in: bool | None = None
    is_mediator = Dispute.is_mediator


class PartyRow(NamedTuple):
    """The party whose caucus a room is, as rooms.role_in reads it."""

    id: int
    side: str
    phone_index: str
    takes_part: bool


class _Prepared(psycopg.Cursor):
    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)


@dataclass(slots=True)
class RoomRow:
    """A room as rooms.role_in reads it: its dispute's row, its side and (caucus) its party."""

    dispute: DisputeRow
    party: str
    party_record: PartyRow | None = None


# The columns and joins of a room as room_row() reads it: the room's side, its dispute, whether
# the two lead parties take part, and the caucus's party (each join by a unique index).
ROOM_COLUMNS = (
    "r.party, d.state, d.mediator_id, d.claimant_phone_index, d.respondent_phone_index, d.served_at, d.id,"
    " lc.id, lc.withdrawn_at, lr.id, lr.answer, p.id, p.side, p.phone_index, p.answer, p.withdrawn_at"
)
ROOM_JOINS = (
    "JOIN disputes_dispute d ON d.id = r.dispute_id"
    " LEFT JOIN disputes_disputeparty lc ON lc.dispute_id = d.id AND lc.side = 'claimant' AND lc.position = 0"
    " LEFT JOIN disputes_disputeparty lr ON lr.dispute_id = d.id AND lr.side = 'respondent' AND lr.position = 0"
    " LEFT JOIN disputes_disputeparty p ON p.id = r.party_record_id"
)


def takes_part(side: str, answer: str, withdrawn_at) -> bool:
    """DisputeParty.takes_part, from its columns."""
    return withdrawn_at is None if side == "claimant" else answer != "declined"


def room_row(values) -> RoomRow:
    """A RoomRow from the ROOM_COLUMNS of one row."""
    party, state, mediator_id, claimant_index, respondent_index, served_at, dispute_id = values[:7]
    lc_id, lc_withdrawn, lr_id, lr_answer, p_id, p_side, p_index, p_answer, p_withdrawn = values[7:16]
    dispute = DisputeRow(
        state, mediator_id, claimant_index, respondent_index, served_at, dispute_id,
        None if lc_id is None else lc_withdrawn is None,
        None if lr_id is None else lr_answer != "declined",
    )  # fmt: skip
    caucus = (
        None if p_id is None else PartyRow(p_id, p_side, p_index, takes_part(p_side, p_answer, p_withdrawn))
    )
    return RoomRow(dispute, party, caucus)


@contextmanager
def cursor():
    """A cursor for the chat's hot statements. On PostgreSQL a psycopg cursor with
    server-side binding, each statement prepared once per connection (their text does not
    change with the batch size; settings.DATABASES allows it and asks for generic plans):
    Django's cursor quotes every value into the SQL text, which cost more CPU than the rest
    of the batch. Errors come out as Django's, as usual."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, _Prepared(connection.connection) as cursor:
        yield cursor


def in_clause(values: list) -> str:
    """`IN (...)` for a list of values: one array parameter on PostgreSQL (so the query's
    text, and psycopg's parsing of it, stays the same whatever the batch size)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)"
    return f"IN ({', '.join(['%s'] * len(values))})"


def in_args(values: list) -> list:
    """The parameters of in_clause(values)."""
    return [list(values)] if connection.vendor == "postgresql" else list(values)
