"""Minutes past the chat's retention period (docs/features/minutes.md, "Retention"): the minutes
of sessions in disputes closed more than RETENTION["chat"] days ago lose their words (who said
what, what was agreed, others present) and their PDF, as chat messages lose their bodies
(mediation.privacy.retention). The row stays with its versions, SHA-256 history and
confirmations, so the record still shows that minutes were kept and confirmed, and when."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q

from core.retention import cutoff, in_batches
from disputes import retention as disputes
from disputes.models import Dispute

from ..models import Minutes


def purge_minutes(now: datetime, *, dry_run: bool, batch: int) -> int:
    expired = Minutes.objects.filter(
        session__dispute__state__in=Dispute.TERMINAL, session__dispute__closed_at__lt=cutoff("chat", now)
    ).exclude(Q(statements=[]) & Q(agreed="") & Q(others=[]) & Q(pdf=""))

    def empty(ids: list[int]) -> int:
        rows = Minutes.objects.filter(pk__in=ids)
        names = [name for name in rows.values_list("pdf", flat=True) if name]
        count = rows.update(statements=[], agreed="", others=[], pdf="")
        transaction.on_commit(partial(disputes.delete_files, names))
        return count

    return in_batches(expired, empty, dry_run=dry_run, batch=batch)
