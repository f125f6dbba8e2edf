"""Trends of the cockpit: filings per week and per month, per grid and per category, within the
cockpit's scope and filters, and their SVG column charts (docs/features/cockpit.md "Trends").

The window ends on the period's last day (or today) and goes back 12 weeks or 12 months,
cut at the period's first day; a bin cut by the period keeps only its days inside it. Each
bin's count is the row count of the dispute list filtered by the bin's days (its link).
Two queries per chart (the counts; the names of the grids), whatever the data: weeks count
the disputes of the window, one GROUP BY on the dispute_grid_filed index; months read the
whole months from the tallies the triggers keep (models.Tally, as disputes.reports.stats
does) and only the days of the months cut by the window from that index, in one UNION ALL.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Region
from disputes import selectors
from disputes.models import Category, Dispute, Tally

from .risk import time_bins
from .scope import Filters
from .tallies import Scope, _union, split_period

WEEKS = 12
MONTHS = 12


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass
class Trend:
    unit: str  # "week" or "month"
    bins: list[tuple[date, date]]  # first and last day of each bin (both included)
    total: list[int]
    # (grid or category, count per bin, their sum)
    by_grid: list[tuple[Region, list[int], int]] = field(default_factory=list)
    by_category: list[tuple[Category, list[int], int]] = field(default_factory=list)


def trend(filters: Filters, unit: str, today: date | None = None) -> Trend:
    end = filters.end or today or timezone.localdate()
    if unit == "week":
        first = end - timedelta(days=end.weekday() + 7 * (WEEKS - 1))
        bounds, bin_of = time_bins(first, WEEKS)
    else:
        first = end.replace(day=1)
        for _i in range(MONTHS - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        bounds, bin_of = time_bins(first, MONTHS, step=_next_month)
    stop = end + timedelta(days=1)
    start = max(first, filters.start) if filters.start else first
    bins = [(max(a, start), min(b, stop) - timedelta(days=1)) for a, b in itertools.pairwise(bounds)]
    keep = [i for i, (a, b) in enumerate(bins) if a <= b]
    cats = {c.pk: c for c in Category.objects.all()}
    if unit == "week":
        rows = _week_rows(filters, start, stop, bin_of)
    else:
        rows = _month_rows(filters, start, stop, bounds, bin_of, cats)
    n = len(keep)
    index = {b: j for j, b in enumerate(keep)}
    total, grids, categories = [0] * n, {}, {}
    for grid_id, category_id, b, count in rows:
        if not count:  # a tally row whose disputes have all moved on
            continue
        j = index[b]
        total[j] += count
        grids.setdefault(grid_id, [0] * n)[j] += count
        categories.setdefault(category_id, [0] * n)[j] += count
    names = Region.objects.filter(pk__in=grids).select_related("parent")
    return Trend(
        unit=unit,
        bins=[bins[i] for i in keep],
        total=total,
        by_grid=sorted(((g, grids[g.pk], sum(grids[g.pk])) for g in names), key=lambda t: (-t[2], t[0].path)),
        by_category=sorted(
            ((cats[pk], v, sum(v)) for pk, v in categories.items()), key=lambda t: (-t[2], t[0].position)
        ),
    )


def _week_rows(filters: Filters, start: date, stop: date, bin_of: Case) -> list:
    """(grid, category, bin, count) of the disputes filed on the days start ≤ day < stop."""
    where = Q(created_at__gte=selectors.day_start(start), created_at__lt=selectors.day_start(stop))
    if filters.regions:
        where &= Q(grid_id__in=filters.grid_ids)
    if filters.category:
        where &= Q(category__slug=filters.category)
    return list(
        Dispute.objects.filter(where).order_by().annotate(bin=bin_of)
        .values_list("grid_id", "category_id", "bin").annotate(n=Count("*"))
    )  # fmt: skip


def _month_rows(filters: Filters, start: date, stop: date, bounds: list[date], bin_of: Case, cats) -> list:
    """(grid, category, bin, count) of the days start ≤ day < stop: the whole months from the
    tallies, the days of a month cut by the window (its first and last) from the disputes."""
    window = Scope(filters, cats)  # the scope and category of the filters, over the window's days
    window.months, window.edges = split_period(start, stop - timedelta(days=1))
    month_bin = Case(
        *(When(month__lt=b, then=Value(i)) for i, b in enumerate(bounds[1:])),
        default=Value(-1), output_field=IntegerField(),
    )  # fmt: skip
    tallied = window.tallies(Tally)
    return _union(
        None if tallied is None
        else tallied.annotate(bin=month_bin).values_list("grid_id", "category_id", "bin").annotate(n=Sum("n")),
        *(edge.annotate(bin=bin_of).values_list("grid_id", "category_id", "bin").annotate(n=Count("*"))
          for edge in window.edge_disputes()),
    )  # fmt: skip


def label(unit: str, a: date) -> str:
    return date_format(a, "m-d") if unit == "week" else date_format(a, "Y-m")


def chart(t: Trend, title: str, link, width: int = 640, height: int = 160) -> dict:
    """The column chart's geometry, its accessible description and the links of its bins.

    `link(a, b)` gives the dispute list of the days a..b."""
    top = max(t.total, default=0) or 1
    n = max(len(t.bins), 1)
    step = width / n
    bar = max(step * 0.7, 2)
    labels = [label(t.unit, a) for a, _b in t.bins]
    columns = []
    for i, ((a, b), value) in enumerate(zip(t.bins, t.total, strict=True)):
        h = round(height * value / top)
        columns.append({
            "x": round(i * step + (step - bar) / 2, 1), "y": height - h + 20, "w": round(bar, 1), "h": h,
            "value": value, "label": labels[i], "href": link(a, b), "first": a, "last": b,
            "tx": round(i * step + step / 2, 1), "show_label": n <= 12 or i % 2 == 0,
        })  # fmt: skip
    figures = "; ".join(f"{lab}: {v}" for lab, v in zip(labels, t.total, strict=True))
    return {
        "trend": t,
        "title": title,
        "desc": _("Disputes filed in each period, earliest first: %(figures)s.")
        % {"figures": figures or "—"},
        "columns": columns,
        "width": width,
        "height": height + 44,
        "base": height + 20,
        "labels": labels,
        "total": sum(t.total),
    }
