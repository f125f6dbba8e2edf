"""Recordings past the chat's retention period (docs/features/calls.md, "Retention"):
uploads of calls in disputes closed more than RETENTION["chat"] days ago, completed or not,
are deleted with their files, as voice notes are (mediation.privacy.retention). Until then an
upload that was never completed is kept, listed in the call's recording status."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.db import transaction

from core.retention import cutoff, in_batches
from disputes import retention as disputes
from disputes.models import Dispute

from ..models import Recording


def purge_recordings(now: datetime, *, dry_run: bool, batch: int) -> int:
    expired = Recording.objects.filter(
        call__room__dispute__state__in=Dispute.TERMINAL,
        call__room__dispute__closed_at__lt=cutoff("chat", now),
    )

    def delete(ids: list) -> int:
        rows = Recording.objects.filter(pk__in=ids)
        names = [name for name in rows.values_list("file", flat=True) if name]
        deleted = rows.delete()[1].get(Recording._meta.label, 0)
        transaction.on_commit(partial(disputes.delete_files, names))
        return deleted

    return in_batches(expired, delete, dry_run=dry_run, batch=batch)
