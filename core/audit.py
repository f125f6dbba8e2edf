"""Append to and check the hash-chained audit log (docs/personal-data-audit.md).

Each entry's `hash` is SHA-256 of the previous entry's hash followed by the canonical JSON
of the entry (RFC 8785 style: sorted keys, no whitespace, UTF-8), so changing, deleting,
reordering or inserting an entry breaks the chain from that index on. Appends are
serialised by a lock (a PostgreSQL advisory lock held to the end of the transaction; SQLite
serialises writers itself), so the chain is linear; an entry commits or rolls back with the
change it records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry

GENESIS = "0" * 64
# pg_advisory_xact_lock key for appends: any constant of our own ("TJAUDIT" in hex).
_LOCK_KEY = 0x544A4155444954


def canonical(entry: dict) -> str:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _at(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, *, index, at, actor_id, actor, action, dispute_id, target, data, ip) -> str:
    return _digest(prev_hash, index, _at(at), actor_id, actor, action, dispute_id, target, data, ip)


def _digest(prev_hash, index, at_text, actor_id, actor, action, dispute_id, target, data, ip) -> str:
    body = {
        "index": index,
        "at": at_text,
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "dispute_id": dispute_id,
        "target": target,
        "data": data,
        "ip": ip,
    }
    return hashlib.sha256((prev_hash + canonical(body)).encode()).hexdigest()


def record(
    action: str,
    *,
    actor=None,
    dispute=None,
    target: str = "",
    data: dict | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. `actor` a user or None (the system); `dispute` a Dispute or its id;
    `data` JSON-safe details, never a full phone, ID number, code or secret."""
    user_id = getattr(actor, "pk", None)
    fields = {
        "at": timezone.now(),
        "actor_id": user_id,
        "actor": getattr(actor, "username", "") if user_id else "",
        "action": str(action),
        "dispute_id": getattr(dispute, "pk", dispute),
        "target": target[:200],
        "data": json.loads(canonical(data or {})),  # as it reads back from the JSON column
        "ip": AuditEntry._meta.get_field("ip").get_prep_value(ip) or None,  # as the column stores it
    }
    if connection.vendor == "postgresql":
        # Autocommit and no transaction open: the entry is a transaction of its own.
        standalone = not connection.in_atomic_block and connection.get_autocommit()
        return _append_postgresql(fields, async_commit=standalone and settings.AUDIT_ASYNC_COMMIT)
    # SQLite serialises writers itself. No savepoint: an entry that cannot be written fails
    # the change it records.
    with transaction.atomic(savepoint=False):
        last = AuditEntry.objects.order_by("-index").values_list("index", "hash").first()
        index, prev_hash = (last[0] + 1, last[1]) if last else (0, GENESIS)
        digest = entry_hash(prev_hash, index=index, **fields)
        return AuditEntry.objects.create(index=index, prev_hash=prev_hash, hash=digest, **fields)


def _around_index(fields: dict) -> tuple[str, str]:
    """The canonical JSON of an entry split where its index goes: keys sort as action, actor,
    actor_id, at, data, dispute_id | index | ip, target. prev_hash + left + str(index) + right
    is exactly what entry_hash() digests."""
    body = {**fields, "at": _at(fields["at"])}
    part = [f"{canonical(k)}:{canonical(body[k])}" for k in sorted(body)]
    before = [p for k, p in zip(sorted(body), part, strict=True) if k < "index"]
    after = [p for k, p in zip(sorted(body), part, strict=True) if k > "index"]
    return "{" + ",".join(before) + ',"index":', "," + ",".join(after) + "}"


def _append_postgresql(fields: dict, *, async_commit: bool) -> AuditEntry:
    """Lock, read the head, hash and insert in one round trip (docs/benchmarks.md, "Audit log").

    Statements in one simple query: the INSERT takes its snapshot after the lock is granted
    (READ COMMITTED takes one per statement), so it sees the last holder's entry, and the
    hash is computed by the server from the strings around the index. Outside a transaction
    the statements form one implicit transaction, so no client round trip happens while the
    lock is held. `async_commit`: such an entry of its own (a sign-in, a download) commits
    without waiting for the WAL flush; a crash of the database server can then lose its last
    fraction of a second of them, never an entry written with a change and never a link (the
    WAL replays a prefix, and the chain with it).
    """
    left, right = _around_index(fields)
    table = AuditEntry._meta.db_table
    sql = (
        ("SET LOCAL synchronous_commit TO off; " if async_commit else "")
        + f"SELECT pg_advisory_xact_lock({_LOCK_KEY}); "
        + f"INSERT INTO {table} (index, at, actor_id, actor, action, dispute_id, target, data, ip, prev_hash, hash) "
        "SELECT COALESCE(h.index + 1, 0), %s, %s, %s, %s, %s, %s, %s::jsonb, %s::inet, COALESCE(h.hash, %s), "
        "encode(sha256(convert_to(COALESCE(h.hash, %s) || %s || COALESCE(h.index + 1, 0)::text || %s, 'UTF8')), 'hex') "
        f"FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT index, hash FROM {table} ORDER BY index DESC LIMIT 1) AS h "
        "ON true RETURNING id, index, prev_hash, hash"
    )
    params = [
        fields["at"], fields["actor_id"], fields["actor"], fields["action"], fields["dispute_id"],
        fields["target"], canonical(fields["data"]), fields["ip"], GENESIS, GENESIS, left, right,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while cursor.nextset():  # the last result is the INSERT's
            pass
        pk, index, prev_hash, digest = cursor.fetchone()
    entry = AuditEntry(pk=pk, index=index, prev_hash=prev_hash, hash=digest, **fields)
    entry._state.adding, entry._state.db = False, connection.alias  # as if read back
    return entry


@dataclass(frozen=True)
class Break:
    index: int  # the first index whose entry does not fit the chain
    reason: str


# PostgreSQL formats the time as _at() does, which saves parsing and formatting a datetime per
# row (a third of the walk); the JSON is decoded and encoded again, canonically.
_PG_ROWS = (
    "SELECT index, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_id, actor, "
    "action, dispute_id, target, data, ip, prev_hash, hash FROM {table} WHERE index > %s ORDER BY index LIMIT %s"
)


def _rows(batch: int) -> Iterator[tuple]:
    """Every entry in index order with its time as text, read in keyset batches (constant memory)."""
    after = -1
    columns = ("index", "at", "actor_id", "actor", "action", "dispute_id", "target", "data", "ip")
    while True:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_PG_ROWS.format(table=AuditEntry._meta.db_table), [after, batch])
                rows = [(r[0], r[1], *r[2:7], json.loads(r[7]), *r[8:]) for r in cursor.fetchall()]
        else:
            rows = [
                (r[0], _at(r[1]), *r[2:])
                for r in AuditEntry.objects.filter(index__gt=after)
                .order_by("index")
                .values_list(*columns, "prev_hash", "hash")[:batch]
            ]
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def verify(batch: int = 5000) -> tuple[int, Break | None]:
    """Walk the chain: (entries checked, the first break or None)."""
    expected_index, prev = 0, GENESIS
    count = 0
    for row in _rows(batch):
        index, at_text, actor_id, actor, action, dispute_id, target, data, ip, prev_hash, digest = row
        if index != expected_index:
            return count, Break(expected_index, f"entry {expected_index} is missing (next is {index})")
        if prev_hash != prev:
            return count, Break(index, "previous hash does not match the entry before")
        if (
            _digest(prev_hash, index, at_text, actor_id, actor, action, dispute_id, target, data, ip)
            != digest
        ):
            return count, Break(index, "contents do not match the hash")
        expected_index, prev = index + 1, digest
        count += 1
    return count, None


def head() -> tuple[int, str] | None:
    """(index, hash) of the newest entry, None for an empty log."""
    return AuditEntry.objects.order_by("-index").values_list("index", "hash").first()


# --- anchors (docs/personal-data-audit.md, "Anchors") ------------------------------------------
def token_imprint(token: bytes) -> bytes:
    """The message imprint (the hashed message) inside an RFC 3161 timestamp token."""
    from asn1crypto import cms, tsp  # noqa: F401  (tsp registers TSTInfo for .parsed)

    info = cms.ContentInfo.load(bytes(token))
    tst = info["content"]["encap_content_info"]["content"].parsed
    return tst["message_imprint"]["hashed_message"].native


def add_anchor(index: int, digest: str, token: bytes):
    """Store a stamped head; the token must carry `digest` (the entry hash's bytes) as its imprint."""
    from .models import AuditAnchor

    if token_imprint(token) != bytes.fromhex(digest):
        raise ValueError("the timestamp token does not cover this hash")
    return AuditAnchor.objects.create(index=index, hash=digest, token=bytes(token), at=timezone.now())


def verify_anchors() -> tuple[int, Break | None]:
    """Each anchor's hash must be the stored entry hash at its index, and its token's imprint
    that hash: (anchors checked, the first break by index or None)."""
    from .models import AuditAnchor

    anchors = list(AuditAnchor.objects.order_by("index", "at").values_list("index", "hash", "token", "at"))
    stored = dict(AuditEntry.objects.filter(index__in={a[0] for a in anchors}).values_list("index", "hash"))
    for count, (index, digest, token, at) in enumerate(anchors):
        if index not in stored:
            return count, Break(index, f"the entry anchored at {_at(at)} is missing")
        if stored[index] != digest:
            return count, Break(index, f"hash differs from the anchor stamped at {_at(at)}")
        try:
            imprint = token_imprint(token)
        except (ValueError, KeyError, TypeError):
            imprint = b""
        if imprint != bytes.fromhex(digest):
            return count, Break(index, f"the timestamp token of the anchor at {_at(at)} does not match")
    return len(anchors), None


def check(batch: int = 5000) -> tuple[int, int, Break | None]:
    """The chain and its anchors: (entries, anchors, the earliest break or None)."""
    entries, broken = verify(batch)
    anchors, anchor_break = verify_anchors()
    breaks = [b for b in (broken, anchor_break) if b is not None]
    return entries, anchors, min(breaks, key=lambda b: b.index) if breaks else None
