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
    is_mediator = Dispute.is_mediator
    is_claimant = Dispute.is_claimant
    is_respondent = Dispute.is_respondent


class _Prepared(psycopg.Cursor):
    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)


@dataclass(slots=True)
class RoomRow:
    """A room as rooms.role_in reads it: its dispute's row and its party."""

    dispute: DisputeRow
    party: str


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
