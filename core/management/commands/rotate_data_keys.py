"""Re-seal every encrypted column under the current data key and recompute the blind indexes.

    python manage.py rotate_data_keys --generate-key   # print a fresh key to put first in the ring
    python manage.py rotate_data_keys [--batch 1000]

The rotation procedure, and how the index key is changed, are in
docs/personal-data-encryption.md. Safe to stop and run again: rows already sealed under the
current key with an up-to-date index are read and left alone.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand

from core import audit, crypto
from core.fields import encrypted_fields, index_fields
from core.models import AuditEntry
from core.sealing import Counts, process_table


class Command(BaseCommand):
    help = "Re-encrypt personal data under the current (first) data key and recompute blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument(
            "--generate-key", action="store_true", help="print a new random key and its id, change nothing"
        )

    def handle(self, *args, batch: int, generate_key: bool, **options):
        if generate_key:
            key = crypto.new_key()
            self.stdout.write(f"{key}  (key id {crypto.key_id(crypto.decode_key(key, 'new key'))})")
            return
        current = crypto.ring().current
        total = Counts()
        for model in apps.get_models():
            columns = [f.column for f in encrypted_fields(model)]
            if not columns:
                continue
            sources = {f.name: f.column for f in encrypted_fields(model)}
            indexes = {f.column: sources[f.source] for f in index_fields(model)}
            counts = process_table(model, columns, indexes, batch=batch)
            self.stdout.write(
                f"{model._meta.label}: {counts.rows} rows read, {counts.changed} rewritten "
                f"({counts.values} values re-sealed, {counts.indexes} indexes recomputed)"
            )
            total.rows += counts.rows
            total.changed += counts.changed
            total.values += counts.values
            total.indexes += counts.indexes
            for kid, n in counts.by_key.items():
                total.by_key[kid] = total.by_key.get(kid, 0) + n
        retired = sorted(set(crypto.ring().ciphers) - {current})
        audit.record(
            AuditEntry.Action.KEYS,
            target="rotate_data_keys",
            data={
                "key_id": current,
                "rows": total.rows,
                "rewritten": total.changed,
                "values": total.values,
                "indexes": total.indexes,
                "found_by_key": total.by_key,
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {total.rows} rows read, {total.changed} rewritten; every sealed value is now under "
                f"key {current}."
            )
        )
        if retired:
            self.stdout.write(f"Keys no longer needed to read the data: {', '.join(retired)}.")
