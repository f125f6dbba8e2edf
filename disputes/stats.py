"""The cockpit's figures (数字驾驶舱), in a constant number of aggregate queries.

Every figure counts disputes that the dispute list (selectors.dispute_list) returns for the
same filters, and carries those filters as `params`, so the cockpit can link each number to
the list whose row count equals it:

- total, by state, overdue now (due_at passed), resolved (settled or closed), per category
  and per grid: one GROUP BY grid, state, category over the scope;
- settled (a settlement was reached, whatever happened after) and the median days from
  filing to settlement: one query (percentile_cont on PostgreSQL; the durations sorted in
  Python elsewhere);
- satisfaction: the average score and how many rated disputes had a low rating: one query
  on the ratings alone (each keeps its dispute's grid, category and filing time);
- the grids' ids under the scope, and the names of the categories and grids shown.

The scope is a list of region nodes (the viewer's own, or one chosen inside them). On
PostgreSQL the dispute queries are index-only scans of dispute_grid_filed and
dispute_grid_settled; they still read every dispute of the scope and period, which is what
bench/stats.py measures on 1,000,000 disputes.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.db import connection, transaction
from django.db.models import Avg, Count, F, FloatField, Func, Q, QuerySet
from django.utils import timezone

from accounts.models import Region, StaffRole

from . import rules, selectors
from .models import Category, Dispute, Rating

RESOLVED = (Dispute.State.SETTLED, Dispute.State.CLOSED)
# Still waiting on someone: neither ended nor settled.
OPEN_STATES = [s for s in Dispute.State.values if s not in Dispute.TERMINAL and s != Dispute.State.SETTLED]
TOP_CATEGORIES = 8


class NotInScope(Exception):
    """The region asked for is outside the viewer's regions."""


@dataclass
class Filters:
    regions: list[Region]  # the scope's root nodes; empty: everything (superusers only)
    start: date | None = None
    end: date | None = None
    category: str | None = None

    @cached_property
    def grid_ids(self) -> list[int]:
        return selectors.grids_under([r.path for r in self.regions])

    def params(self, **extra) -> dict:
        """Query parameters of the dispute list that counts a figure (api.ListFilters names)."""
        out: dict = {"region": [r.pk for r in self.regions]} if self.regions else {}
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        if self.category:
            out["category"] = self.category
        out.update(extra)
        return out


def staff_regions(user) -> list[Region]:
    """The top region nodes where the user is a grid worker or case handler (cockpit viewers)."""
    roles = (StaffRole.Role.GRID_WORKER, StaffRole.Role.CASE_HANDLER)
    paths = sorted({p for r, p, _ in rules.staff_roles(user) if r in roles})
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return list(Region.objects.filter(path__in=tops).order_by("path"))


def may_view(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(staff_regions(user)))


def scope(user, region: Region | None) -> list[Region]:
    """The nodes the figures cover: the chosen region, which must lie within the user's own."""
    own = [] if user.is_superuser else staff_regions(user)
    if region is None:
        return own
    if user.is_superuser or any(region.path.startswith(r.path) for r in own):
        return [region]
    raise NotInScope(region.pk)


def base(filters: Filters) -> QuerySet[Dispute]:
    """The scope's disputes, filtered as the dispute list filters them.

    Not through Dispute.objects.visible_to: the scope lies within the viewer's own regions,
    whose disputes they all see, so the list (visible ∩ scope) is exactly the scope. Plain
    grid and date conditions let PostgreSQL answer from the covering indexes alone.
    """
    qs = Dispute.objects.order_by()
    if filters.regions:
        qs = qs.filter(grid_id__in=filters.grid_ids)
    qs = selectors.filed_between(qs, filters.start, filters.end)
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    return qs


def ratings_in(filters: Filters) -> QuerySet[Rating]:
    """The ratings of the scope's disputes (filtered on the copies Rating keeps)."""
    qs = Rating.objects.order_by()
    if filters.regions:
        qs = qs.filter(grid_id__in=filters.grid_ids)
    if filters.start:
        qs = qs.filter(filed_at__gte=selectors.day_start(filters.start))
    if filters.end:
        qs = qs.filter(filed_at__lt=selectors.day_start(filters.end + timedelta(days=1)))
    if filters.category:
        qs = qs.filter(category__slug=filters.category)
    return qs


class Percentile50(Func):
    """percentile_cont(0.5) WITHIN GROUP (ORDER BY expr): PostgreSQL's exact median."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    contains_aggregate = True


class Seconds(Func):
    """A duration (or datetime difference) in seconds, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s) / 1000000.0", **extra)


@dataclass
class Figures:
    filters: Filters
    total: int = 0
    by_state: dict = field(default_factory=dict)
    overdue: int = 0
    resolved: int = 0
    settled: int = 0
    median_days: float | None = None
    ratings: int = 0
    rated: int = 0
    low_rated: int = 0
    average_score: float | None = None
    categories: list = field(default_factory=list)
    grids: list = field(default_factory=list)

    @property
    def resolution_rate(self) -> float | None:
        return round(self.resolved / self.total, 4) if self.total else None

    @property
    def low_share(self) -> float | None:
        return round(self.low_rated / self.rated, 4) if self.rated else None


def figures(filters: Filters) -> Figures:
    """Compute every figure of the cockpit (six queries whatever the data)."""
    now = timezone.now()
    qs = base(filters)
    out = Figures(filters=filters, by_state=dict.fromkeys(Dispute.State.values, 0))
    per_category: dict[int, int] = {}
    per_grid: dict[int, dict] = {}
    rows = (
        qs.values_list("grid_id", "state", "category_id")
        .annotate(n=Count("*"), late=Count("pk", filter=Q(due_at__lt=now)))
        .order_by()
    )
    for grid_id, state, category_id, n, late in rows:
        out.total += n
        out.by_state[state] += n
        out.overdue += late
        per_category[category_id] = per_category.get(category_id, 0) + n
        g = per_grid.setdefault(grid_id, {"total": 0, "open": 0, "overdue": 0, "resolved": 0})
        g["total"] += n
        g["overdue"] += late
        bucket = "open" if state in OPEN_STATES else "resolved" if state in RESOLVED else None
        if bucket:
            g[bucket] += n
    out.resolved = sum(out.by_state[s] for s in RESOLVED)
    out.settled, out.median_days = _settlement_times(qs)
    _satisfaction(out, ratings_in(filters))
    names = {c.pk: c for c in Category.objects.filter(pk__in=per_category)}
    top = sorted(per_category.items(), key=lambda kv: (-kv[1], names[kv[0]].position, names[kv[0]].slug))
    out.categories = [{"category": names[pk], "count": n} for pk, n in top[:TOP_CATEGORIES]]
    regions = Region.objects.filter(pk__in=per_grid).select_related("parent")
    out.grids = sorted(
        ({"grid": r, **per_grid[r.pk]} for r in regions), key=lambda g: (-g["total"], g["grid"].path)
    )
    return out


def _settlement_times(qs: QuerySet[Dispute]) -> tuple[int, float | None]:
    settled = qs.filter(settled_at__isnull=False)
    duration = Seconds(F("settled_at") - F("created_at"))
    if connection.vendor == "postgresql":
        # The median sorts every duration: give the sort memory so it does not spill to disk.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            row = settled.aggregate(n=Count("*"), median=Percentile50(duration))
        median = row["median"]
        count = row["n"]
    else:  # portable: fetch the durations (fine at SQLite's scale)
        values = sorted(settled.annotate(s=duration).values_list("s", flat=True))
        count, median = len(values), statistics.median(values) if values else None
    return count, None if median is None else round(median / 86400, 1)


def _satisfaction(out: Figures, ratings: QuerySet[Rating]) -> None:
    row = ratings.aggregate(
        n=Count("*"),
        average=Avg("score"),
        rated=Count("dispute", distinct=True),
        low=Count("dispute", distinct=True, filter=Q(score__lte=Rating.LOW)),
    )
    out.ratings, out.rated, out.low_rated = row["n"], row["rated"], row["low"]
    out.average_score = None if row["average"] is None else round(row["average"], 2)


def as_json(out: Figures) -> dict:
    """The figures as GET /api/v1/stats/ returns them: each count with its list's filters."""
    p = out.filters.params
    return {
        "scope": {
            "regions": [{"id": r.pk, "name": r.display_name(), "kind": r.kind} for r in out.filters.regions],
            "from": out.filters.start,
            "to": out.filters.end,
            "category": out.filters.category,
        },
        "total": {"count": out.total, "filters": p()},
        "by_state": [{"state": s, "count": n, "filters": p(state=[s])} for s, n in out.by_state.items()],
        "overdue": {"count": out.overdue, "filters": p(overdue=True)},
        "resolved": {"count": out.resolved, "filters": p(state=list(RESOLVED))},
        "resolution_rate": out.resolution_rate,
        "settled": {"count": out.settled, "filters": p(settled=True)},
        "median_days_to_settle": out.median_days,
        "satisfaction": {
            "ratings": out.ratings,
            "average_score": out.average_score,
            "rated": {"count": out.rated, "filters": p(rating="any")},
            "low_rated": {"count": out.low_rated, "filters": p(rating="low")},
            "low_share": out.low_share,
        },
        "by_category": [
            {
                "category": c["category"].slug,
                "name": c["category"].display_name,
                "count": c["count"],
                "filters": p(category=c["category"].slug),
            }
            for c in out.categories
        ],  # fmt: skip
        "by_grid": [
            {
                "grid": {"id": g["grid"].pk, "name": g["grid"].display_name()},
                "total": {"count": g["total"], "filters": p(grid=g["grid"].pk)},
                "open": {"count": g["open"], "filters": p(grid=g["grid"].pk, state=OPEN_STATES)},
                "overdue": {"count": g["overdue"], "filters": p(grid=g["grid"].pk, overdue=True)},
                "resolved": {"count": g["resolved"], "filters": p(grid=g["grid"].pk, state=list(RESOLVED))},
            }
            for g in out.grids
        ],
    }
