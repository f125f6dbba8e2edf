"""Helpers for the retention purges (docs/personal-data-retention.md).

Each app owns the purge functions of its own models, `purge(now, *, dry_run, batch) -> int`
(the number of rows deleted or anonymised, or that would be with `dry_run`); the daily task
that calls them all lives in mediation.privacy.retention. These helpers walk a queryset by
primary key in batches, one transaction a batch, so memory and lock time stay bounded
whatever the backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet


def cutoff(kind: str, now: datetime) -> datetime:
    """The moment before which a record of `kind` is past its retention period."""
    return now - timedelta(days=settings.RETENTION[kind])


def batch_size() -> int:
    return max(int(settings.RETENTION_BATCH), 1)


def in_batches(queryset: QuerySet, action: Callable[[list[int]], int], *, dry_run: bool, batch: int) -> int:
    """Apply `action(ids)` to the rows of `queryset`, `batch` ids at a time, each batch in
    its own transaction; return how many rows it acted on. With `dry_run` only count.

    `queryset` must no longer match a row once the action has run on it (deleted or marked),
    so the walk restarts from the lowest id left and ends when nothing matches.
    """
    if dry_run:
        return queryset.count()
    total, after = 0, None
    while True:
        page = queryset.order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        ids = list(page.values_list("pk", flat=True)[:batch])
        if not ids:
            return total
        with transaction.atomic():
            total += action(ids)
        after = ids[-1]


def delete_in_batches(queryset: QuerySet, *, dry_run: bool, batch: int) -> int:
    """Delete the rows of `queryset` in batches (cascades included); return the rows deleted."""
    model = queryset.model

    def delete(ids: list[int]) -> int:
        deleted, by_model = model.objects.filter(pk__in=ids).delete()
        return by_model.get(model._meta.label, 0)

    return in_batches(queryset, delete, dry_run=dry_run, batch=batch)
