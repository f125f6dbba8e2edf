"""The cockpit's figures (数字驾驶舱), in a constant number of queries that do not read every dispute.

Every figure counts disputes that the dispute list (selectors.dispute_list) returns for the
same filters, and carries those filters as `params`, so the cockpit can link each number to
the list whose row count equals it. The counts come from tallies that database triggers keep
in the same transaction as every write to a dispute (models.Tally, models.SettlementTally,
migration 0010; read in disputes.reports.tallies), so they are exact at every moment, not a cache:

- total, by state, resolved (settled or closed), per category and per grid: the Tally rows
  of the scope's grids for the whole filing months inside the period, plus the disputes
  filed on the days at the period's edges (outside whole months), counted from the index;
- overdue now (due_at passed) depends on the clock: counted from the disputes
  (dispute_overdue: the index of deadlines);
- settled (a settlement was reached, whatever happened after) and the median time from
  filing to settlement: SettlementTally counts the settled disputes per whole day it took
  (plus the period's edge days, from the disputes); that says on which day the middle one
  lies, and one walk along dispute_settle_time from that day fetches the exact middle
  value(s) (the median to the microsecond, shown in days to one decimal);
- satisfaction: the average score and how many rated disputes had a low rating, from the
  ratings alone (each keeps its dispute's grid, category and filing time);
- the categories, the grids' ids under the scope and the names of the grids shown.

The scope is a list of region nodes (the viewer's own, or one chosen inside them). On
PostgreSQL the queries run in one REPEATABLE READ snapshot, so the figures agree with one
another. bench/stats.py measures them on 1,000,000 disputes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Region
from disputes.models import Category, Dispute, Rating, SettlementTally, Tally

from .scope import Filters
from .tallies import Scope, WholeDays, _union

RESOLVED = (Dispute.State.SETTLED, Dispute.State.CLOSED)
# Still waiting on someone: neither ended nor settled.
OPEN_STATES = [s for s in Dispute.State.values if s not in Dispute.TERMINAL and s != Dispute.State.SETTLED]
TOP_CATEGORIES = 8


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
    """Compute every figure of the cockpit (eight queries at most, whatever the data)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return _figures(filters)
    return _figures(filters)


def _figures(filters: Filters) -> Figures:
    now = timezone.now()
    categories = {c.pk: c for c in Category.objects.all()}
    scope = Scope(filters, categories)
    out = Figures(filters=filters, by_state=dict.fromkeys(Dispute.State.values, 0))
    per_category: dict[int, int] = {}
    per_grid: dict[int, dict] = {}
    columns = ("grid_id", "state", "category_id")
    tallied = scope.tallies(Tally)
    edges = scope.edge_disputes()
    rows = _union(
        None if tallied is None else tallied.values_list(*columns).annotate(n=Sum("n")),
        *(edge.values_list(*columns).annotate(n=Count("*")) for edge in edges),
    )
    for grid_id, state, category_id, n in rows:
        if not n:  # a tally row whose disputes have all moved on
            continue
        out.total += n
        out.by_state[state] += n
        per_category[category_id] = per_category.get(category_id, 0) + n
        g = per_grid.setdefault(grid_id, {"total": 0, "open": 0, "overdue": 0, "resolved": 0})
        g["total"] += n
        bucket = "open" if state in OPEN_STATES else "resolved" if state in RESOLVED else None
        if bucket:
            g[bucket] += n
    late = scope.disputes().filter(due_at__lt=now).values_list("grid_id").annotate(n=Count("*"))
    for grid_id, n in late:
        out.overdue += n
        per_grid[grid_id]["overdue"] += n
    out.resolved = sum(out.by_state[s] for s in RESOLVED)
    out.settled, out.median_days = _settlement_times(scope)
    _satisfaction(out, scope.ratings())
    top = sorted(
        per_category.items(), key=lambda kv: (-kv[1], categories[kv[0]].position, categories[kv[0]].slug)
    )
    out.categories = [{"category": categories[pk], "count": n} for pk, n in top[:TOP_CATEGORIES]]
    regions = Region.objects.filter(pk__in=per_grid).select_related("parent")
    out.grids = sorted(
        ({"grid": r, **per_grid[r.pk]} for r in regions), key=lambda g: (-g["total"], g["grid"].path)
    )
    return out


def _settlement_times(scope: Scope) -> tuple[int, float | None]:
    """How many reached a settlement, and the median days it took (exact, one decimal)."""
    elapsed = F("settled_at") - F("created_at")
    tallied = scope.tallies(SettlementTally)
    edges = scope.edge_disputes()
    histogram: dict[int, int] = {}
    for days, n in _union(
        None if tallied is None else tallied.values_list("days").annotate(n=Sum("n")),
        *(
            edge.filter(settled_at__isnull=False).values_list(WholeDays(elapsed)).annotate(n=Count("*"))
            for edge in edges
        ),
    ):
        histogram[days] = histogram.get(days, 0) + n
    count = sum(histogram.values())
    if not count:
        return 0, None
    # The middle one (two when the count is even) by rank; find the day it lies in ...
    low, high = (count - 1) // 2, count // 2
    before = 0
    for day in sorted(histogram):
        if before + histogram[day] > low:
            break
        before += histogram[day]
    # ... and walk from the start of that day to it, in order of time taken.
    middle = list(
        scope.disputes()
        .filter(settled_at__isnull=False)
        .annotate(elapsed=elapsed)
        .filter(elapsed__gte=timedelta(days=day))
        .order_by("elapsed")
        .values_list("elapsed", flat=True)[low - before : high - before + 1]
    )
    median = sum(d.total_seconds() for d in middle) / len(middle)
    return count, round(median / 86400, 1)


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
