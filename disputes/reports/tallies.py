"""Reading the tallies (models.Tally, models.SettlementTally) that the dispute table's
triggers keep (installed by migration 0010_cockpit_tallies): whole filing months come from
the tallies, the days at a period's edges from the disputes themselves."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Func, IntegerField, Q, QuerySet

from disputes import selectors
from disputes.models import Category, Dispute, Rating

from .scope import Filters


class WholeDays(Func):
    """Whole 24-hour days in a duration, exactly as the triggers file SettlementTally rows."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "floor(extract(epoch FROM %(expressions)s) / 86400)::integer"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):  # the duration is in microseconds
        return self.as_sql(compiler, connection, template="(%(expressions)s / 86400000000)", **extra)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_period(start: date | None, end: date | None) -> tuple[tuple | None, list[tuple[date, date]]]:
    """The filing period [start, end] (inclusive days; None: open) as the whole months read
    from the tallies, (first, stop) with first <= month < stop (None: no bound), or None when
    no whole month lies inside; and the day ranges [a, b) left at its edges, read from the
    disputes themselves."""
    stop_day = end + timedelta(days=1) if end else None
    first = start if start is None or start.day == 1 else _next_month(start)
    stop = stop_day.replace(day=1) if stop_day else None
    if first and stop and first >= stop:
        return None, [(start, stop_day)]
    edges = []
    if start and start < first:
        edges.append((start, first))
    if stop_day and stop < stop_day:
        edges.append((stop, stop_day))
    return (first, stop), edges


class Scope:
    """The conditions of the figures' queries: on the tallies and on the disputes."""

    def __init__(self, filters: Filters, categories: dict[int, Category]):
        self.filters = filters
        where = Q()
        if filters.regions:
            where &= Q(grid_id__in=filters.grid_ids)
        if filters.category:  # an unknown slug matches nothing, as in the list
            where &= Q(category_id__in=[pk for pk, c in categories.items() if c.slug == filters.category])
        self.where = where
        self.months, self.edges = split_period(filters.start, filters.end)

    def tallies(self, model) -> QuerySet | None:
        """The tally rows of the whole months (None when there are none)."""
        if self.months is None:
            return None
        first, stop = self.months
        qs = model.objects.filter(self.where).order_by()
        if first:
            qs = qs.filter(month__gte=first)
        if stop:
            qs = qs.filter(month__lt=stop)
        return qs

    def edge_disputes(self) -> list[QuerySet[Dispute]]:
        """The disputes filed on the edge days, one queryset per edge (each a range of the
        dispute_grid_filed index, read from the index alone)."""
        return [
            Dispute.objects.filter(
                self.where, created_at__gte=selectors.day_start(a), created_at__lt=selectors.day_start(b)
            ).order_by()
            for a, b in self.edges
        ]

    def disputes(self) -> QuerySet[Dispute]:
        """All the disputes of the scope and period (the list's rows)."""
        return selectors.filed_between(
            Dispute.objects.filter(self.where).order_by(), self.filters.start, self.filters.end
        )

    def ratings(self) -> QuerySet[Rating]:
        """The ratings of the scope's disputes (filtered on the copies Rating keeps)."""
        qs = Rating.objects.filter(self.where).order_by()
        if self.filters.start:
            qs = qs.filter(filed_at__gte=selectors.day_start(self.filters.start))
        if self.filters.end:
            qs = qs.filter(filed_at__lt=selectors.day_start(self.filters.end + timedelta(days=1)))
        return qs


def _union(*parts: QuerySet | None) -> list:
    """Rows of the non-empty parts, in one query (UNION ALL)."""
    parts = [p for p in parts if p is not None]
    return list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
