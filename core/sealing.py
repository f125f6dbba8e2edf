"""Sealing, unsealing and re-sealing stored rows in batches (docs/personal-data-encryption.md).

Works on raw column values, not through the model fields, so the same code serves the data
migrations (plaintext → sealed and back) and `manage.py rotate_data_keys` (sealed under any
key of the ring → sealed under the current key, blind indexes recomputed from the plaintext).
Each batch commits on its own and rows already in the wanted form are left alone, so a run
that stops part way is finished by running it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, transaction

from . import crypto


@dataclass
class Counts:
    rows: int = 0  # rows read
    changed: int = 0  # rows written
    values: int = 0  # column values sealed or unsealed
    indexes: int = 0  # blind index values written
    by_key: dict = field(default_factory=dict)  # key id → values found sealed under it


def _plaintext(token: str, context: bytes, *, allow_plaintext: bool) -> str:
    if token == "" or token is None:
        return token
    if token.startswith(crypto.VERSION + ":"):
        return crypto.open_value(token, context)
    if allow_plaintext:
        return token
    raise crypto.DecryptionError("a stored value is neither empty nor sealed")


def process_table(
    model,
    columns: list[str],
    indexes: dict[str, str] | None = None,
    *,
    unseal: bool = False,
    allow_plaintext: bool = False,
    batch: int = 1000,
    using: str = "default",
) -> Counts:
    """Bring every row of `model`'s table to its sealed (or, with `unseal`, plaintext) form.

    `columns` are the sealed columns; `indexes` maps a blind index column to its source column
    (recomputed from the plaintext unless unsealing). Plaintext values are accepted only with
    `allow_plaintext` (the migration that first seals them); otherwise they raise.
    """
    indexes = indexes or {}
    connection = connections[using]
    q = connection.ops.quote_name
    table = model._meta.db_table
    pk = model._meta.pk.column
    read = [*columns, *indexes]
    select = (
        f"SELECT {q(pk)}, {', '.join(q(c) for c in read)} FROM {q(table)} "
        f"WHERE {q(pk)} > %s ORDER BY {q(pk)} LIMIT %s"
    )
    contexts = {c: crypto.aad(table, c) for c in columns}
    current = crypto.ring().current
    counts = Counts()
    last = None
    while True:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(select, [last if last is not None else -(2**63), batch])
            rows = cursor.fetchall()
            updates: dict[tuple, list] = {}
            for pk_value, *values in rows:
                stored = dict(zip(read, values, strict=True))
                plain, new = {}, {}
                for column in columns:
                    token = stored[column]
                    plain[column] = _plaintext(
                        token, contexts[column], allow_plaintext=allow_plaintext or unseal
                    )
                    if token and token.startswith(crypto.VERSION + ":"):
                        kid = crypto.key_of(token)
                        counts.by_key[kid] = counts.by_key.get(kid, 0) + 1
                    if unseal:
                        wanted_ok = token == plain[column]
                        target = plain[column]
                    else:
                        wanted_ok = not token or (
                            token.startswith(crypto.VERSION + ":") and crypto.key_of(token) == current
                        )
                        target = None if wanted_ok else crypto.seal(plain[column], contexts[column])
                    if not wanted_ok:
                        new[column] = target
                        counts.values += 1
                for index_column, source in indexes.items():
                    wanted = "" if unseal else crypto.blind_index(plain[source])
                    if stored[index_column] != wanted:
                        new[index_column] = wanted
                        counts.indexes += 1
                if new:
                    updates.setdefault(tuple(new), []).append([*new.values(), pk_value])
                    counts.changed += 1
            # One statement per set of changed columns, sent as a batch (pipelined on PostgreSQL).
            for changed, params in updates.items():
                assignments = ", ".join(f"{q(c)} = %s" for c in changed)
                cursor.executemany(f"UPDATE {q(table)} SET {assignments} WHERE {q(pk)} = %s", params)
            counts.rows += len(rows)
        if len(rows) < batch:
            return counts
        last = rows[-1][0]
