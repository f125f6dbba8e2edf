"""Tampering with the stored log is found at the right index (docs/personal-data-audit.md).

PostgreSQL only: the append-only trigger is switched off inside each test (as the owner role,
the way an intruder with the database's superuser would) and on again after; with it on,
UPDATE and DELETE are refused."""

from __future__ import annotations

import os
from contextlib import nullcontext
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core import audit
from core.models import AuditEntry

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db,
]
TRIGGER = "core_auditentry_append_only"


@pytest.fixture
def log(claimant):
    """Six entries, 0…5."""
    for i in range(6):
        audit.record(AuditEntry.Action.SIGN_IN, actor=claimant, ip=f"10.0.0.{i}", data={"n": i})
    assert audit.verify() == (6, None)


@pytest.fixture
def unguarded(log):
    def sql(statement: str, params=()):
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    sql(f"ALTER TABLE core_auditentry DISABLE TRIGGER {TRIGGER}")
    yield sql
    sql(f"ALTER TABLE core_auditentry ENABLE TRIGGER {TRIGGER}")


def broken_at() -> int:
    count, broken = audit.verify()
    assert broken is not None
    assert count == broken.index  # the entries before the break were good
    return broken.index


def command_reports(index: int) -> None:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert failure.value.returncode == 1
    assert f"broken at index {index}:" in str(failure.value)


def test_with_the_trigger_on_update_and_delete_are_refused(log):
    for statement in (
        "UPDATE core_auditentry SET actor = 'x' WHERE index = 2",
        "DELETE FROM core_auditentry WHERE index = 5",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert audit.verify() == (6, None)


def test_an_updated_entry_is_named(unguarded):
    unguarded("UPDATE core_auditentry SET ip = '10.9.9.9' WHERE index = 3")
    assert broken_at() == 3
    command_reports(3)


def test_an_updated_entry_with_its_hash_recomputed_breaks_the_next_link(unguarded):
    entry = AuditEntry.objects.get(index=2)
    forged = audit.entry_hash(
        entry.prev_hash, index=2, at=entry.at, actor_id=None, actor="", action=entry.action,
        dispute_id=None, target="", data=entry.data, ip=entry.ip,
    )  # fmt: skip
    unguarded("UPDATE core_auditentry SET actor_id = NULL, actor = '', hash = %s WHERE index = 2", [forged])
    assert broken_at() == 3


def test_a_deleted_entry_is_named(unguarded):
    unguarded("DELETE FROM core_auditentry WHERE index = 4")
    assert broken_at() == 4
    _count, broken = audit.verify()
    assert "missing" in broken.reason


def test_the_last_entry_deleted_shows_against_an_anchor(unguarded):
    audit.add_anchor(5, AuditEntry.objects.get(index=5).hash, stamp(AuditEntry.objects.get(index=5).hash))
    unguarded("DELETE FROM core_auditentry WHERE index = 5")
    assert audit.verify() == (5, None)  # the chain alone cannot tell a truncated tail
    _entries, _anchors, broken = audit.check()
    assert broken.index == 5
    command_reports(5)


def test_two_swapped_entries_are_named(unguarded):
    unguarded("UPDATE core_auditentry SET index = -1 WHERE index = 1")
    unguarded("UPDATE core_auditentry SET index = 1 WHERE index = 2")
    unguarded("UPDATE core_auditentry SET index = 2 WHERE index = -1")
    assert broken_at() == 1
    command_reports(1)


def test_a_backdated_entry_inserted_is_named(unguarded):
    first = AuditEntry.objects.get(index=0)
    unguarded("UPDATE core_auditentry SET index = index + 1000 WHERE index >= 2")
    unguarded("UPDATE core_auditentry SET index = index - 999 WHERE index >= 1000")
    row = AuditEntry.objects.get(index=1)
    at = first.at + timedelta(seconds=1)
    digest = audit.entry_hash(
        row.hash, index=2, at=at, actor_id=None, actor="", action="sign_out",
        dispute_id=None, target="", data={}, ip=None,
    )  # fmt: skip
    AuditEntry.objects.create(
        index=2, at=at, actor_id=None, actor="", action="sign_out", dispute_id=None, target="", data={},
        ip=None, prev_hash=row.hash, hash=digest,
    )  # fmt: skip
    assert AuditEntry.objects.count() == 7
    assert broken_at() == 3  # the inserted entry fits its predecessor; its successor no longer does


def test_a_rewritten_chain_is_caught_by_its_anchor(unguarded):
    """Rewrite every entry and recompute every hash: the chain verifies, the anchor does not."""
    head = AuditEntry.objects.get(index=5)
    audit.add_anchor(5, head.hash, stamp(head.hash))
    unguarded("UPDATE core_auditentry SET data = '{}'::jsonb WHERE index = 1")
    prev = audit.GENESIS
    for entry in AuditEntry.objects.order_by("index"):
        digest = audit.entry_hash(
            prev, index=entry.index, at=entry.at, actor_id=entry.actor_id, actor=entry.actor,
            action=entry.action, dispute_id=entry.dispute_id, target=entry.target, data=entry.data, ip=entry.ip,
        )  # fmt: skip
        unguarded(
            "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE index = %s",
            [prev, digest, entry.index],
        )
        prev = digest
    assert audit.verify() == (6, None)
    _entries, _anchors, broken = audit.check()
    assert broken.index == 5 and "anchor" in broken.reason
    command_reports(5)


def stamp(digest: str) -> bytes:
    import asyncio

    from mediation.settlements import signing

    return asyncio.run(signing.timestamper().async_timestamp(bytes.fromhex(digest), "sha256")).dump()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain(claimant):
    """Committed rows, one connection per thread: every append lands, in one chain."""
    import threading

    from django.db import connections

    def write(n: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic() if i % 2 else nullcontext():  # with a change, and on its own
                    audit.record(AuditEntry.Action.DOWNLOAD, dispute=n, data={"i": i})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audit.verify() == (150, None)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # the entries' own setting did not leak


def test_an_entry_rolls_back_with_the_change_it_records(claimant):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(AuditEntry.Action.TRANSITION, actor=claimant, dispute=1)
        raise RuntimeError
    entry = audit.record(AuditEntry.Action.SIGN_IN, actor=claimant)
    assert entry.index == 0 and audit.verify() == (1, None)
