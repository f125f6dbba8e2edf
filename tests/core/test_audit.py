"""The audit chain: appends link to each other, and verify() walks them."""

import hashlib

import pytest

from core import audit
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_entries_are_chained_from_the_genesis_hash(claimant):
    first = audit.record(AuditEntry.Action.SIGN_IN, actor=claimant, ip="127.0.0.1")
    second = audit.record(
        AuditEntry.Action.REVEAL, actor=claimant, dispute=7, target="claimant.phone", data={"r": "x"}
    )
    assert (first.index, first.prev_hash) == (0, audit.GENESIS)
    assert (second.index, second.prev_hash) == (1, first.hash)
    assert audit.verify() == (2, None)
    assert audit.head() == (1, second.hash)


def test_verify_reads_the_stored_rows_not_the_objects_written(claimant):
    audit.record(
        AuditEntry.Action.SIGN_IN, actor=claimant, ip="::ffff:127.0.0.1", data={"b": [1, "二"], "a": None}
    )
    audit.record(AuditEntry.Action.SIGN_OUT, actor=None)
    assert audit.verify(batch=1) == (2, None)


def test_an_empty_log_verifies():
    assert audit.verify() == (0, None)
    assert audit.head() is None


def test_the_hash_split_around_the_index_is_the_canonical_body(claimant):
    """PostgreSQL hashes prev + left + index + right on the server; it must equal entry_hash()."""
    from django.utils import timezone

    fields = dict(
        at=timezone.now(), actor_id=claimant.pk, actor="claimant", action="reveal", dispute_id=3,
        target="t", data={"z": 1, "index": "x", "ip": '"', "二": [None]}, ip="10.0.0.1",
    )  # fmt: skip
    left, right = audit._around_index(fields)
    assert (
        audit.entry_hash("a" * 64, index=17, **fields)
        == hashlib.sha256(("a" * 64 + left + "17" + right).encode()).hexdigest()
    )
