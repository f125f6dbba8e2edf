"""The risk rules of the cockpit (风险预警, docs/features/cockpit.md "Risk alerts").

Three rules, evaluated once a day for the day `today` (site time zone); each finds
`Candidate`s, which disputes.reports.alerts raises as RiskAlert rows once each:

1. **Rise**: for every grid and category, k = the disputes filed in the latest complete week
   (Monday to Sunday, the week before the one holding `today`) and the baseline
   λ = max(0.5, mean weekly count over the 8 weeks before it). Alert when k ≥ 3 and the
   Poisson upper tail P(X ≥ k | λ) < 0.01.
2. **Repeat respondent**: the same respondent (`respondent_phone_index`) in ≥ 3 disputes of
   one street (any of its grids) filed within the 90 days ending on `today`.
3. **Repeat after settlement**: a dispute filed in the 30 days ending on `today` between the
   same two parties (both phone indexes, either order) as an earlier dispute of the same
   street that had been settled before it was filed: one that reached a settlement
   (`settled_at` set, whatever came after) or was closed with the outcome "fulfilled".

The rule functions read the disputes in a fixed number of queries whatever their number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from accounts.models import Region
from disputes import selectors
from disputes.models import Dispute, RiskAlert

BASELINE_WEEKS = 8
BASELINE_FLOOR = 0.5
RISE_MIN_COUNT = 3
RISE_P = 0.01
REPEAT_DAYS = 90
REPEAT_MIN = 3
AFTER_SETTLEMENT_DAYS = 30


@dataclass
class Candidate:
    kind: str
    street_id: int
    fingerprint: str
    dispute_ids: list[int]
    window_start: date
    window_end: date
    grid_id: int | None = None
    category_id: int | None = None
    subject: str = ""
    figures: dict = field(default_factory=dict)


# --- the arithmetic -----------------------------------------------------------------------------
def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam): summed from k upwards when k lies above the mean (the
    terms fall fast and nothing cancels), else 1 minus the terms below k."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0

    def term(i: int) -> float:
        return math.exp(-lam + i * math.log(lam) - math.lgamma(i + 1))

    if k > lam:
        total, i, t = 0.0, k, term(k)
        while t > total * 1e-17 and i < k + 10_000:
            total += t
            i += 1
            t *= lam / i
        return min(total, 1.0)
    return max(0.0, 1.0 - sum(term(i) for i in range(k)))


def baseline(history: list[int]) -> float:
    """λ: the mean of the previous weeks' counts, floored at 0.5."""
    return max(BASELINE_FLOOR, sum(history) / len(history)) if history else BASELINE_FLOOR


def rises(k: int, history: list[int]) -> tuple[bool, float, float]:
    """(alert?, λ, P(X ≥ k | λ)) for this week's count k after the weekly `history`."""
    lam = baseline(history)
    p = poisson_tail(k, lam)
    return k >= RISE_MIN_COUNT and p < RISE_P, lam, p


def latest_week(today: date) -> date:
    """The Monday of the latest complete week before `today`."""
    return today - timedelta(days=today.weekday() + 7)


# --- the rules on the disputes ---------------------------------------------------------------------
def _streets(grid_ids) -> dict[int, int]:
    """grid id → its street's id (read from the paths)."""
    paths = Region.objects.filter(pk__in=set(grid_ids)).values_list("pk", "path")
    return {pk: int(path.strip("/").split("/")[1]) for pk, path in paths}


def _filed(start: date, stop: date) -> Q:
    """Filed on the days start ≤ day < stop."""
    return Q(created_at__gte=selectors.day_start(start), created_at__lt=selectors.day_start(stop))


def time_bins(first: date, count: int, step=lambda d: d + timedelta(days=7)) -> tuple[list[date], Case]:
    """Boundaries of `count` consecutive bins from `first` and a Case giving a dispute's bin
    index from its filing time (one GROUP BY over the dispute_grid_filed index)."""
    bounds = [first]
    for _ in range(count):
        bounds.append(step(bounds[-1]))
    whens = [When(created_at__lt=selectors.day_start(b), then=Value(i)) for i, b in enumerate(bounds[1:])]
    return bounds, Case(*whens, default=Value(-1), output_field=IntegerField())


def rise_candidates(today: date) -> list[Candidate]:
    week = latest_week(today)
    first = week - timedelta(weeks=BASELINE_WEEKS)
    bounds, bin_of = time_bins(first, BASELINE_WEEKS + 1)
    series: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * (BASELINE_WEEKS + 1))
    rows = (
        Dispute.objects.filter(_filed(bounds[0], bounds[-1]))
        .order_by()
        .annotate(week=bin_of)
        .values_list("grid_id", "category_id", "week")
        .annotate(n=Count("*"))
    )
    for grid_id, category_id, i, n in rows:
        series[(grid_id, category_id)][i] += n
    found = {}
    for key, counts in series.items():
        alert, lam, p = rises(counts[-1], counts[:-1])
        if alert:
            found[key] = {"count": counts[-1], "baseline": round(lam, 2), "p": p, "history": counts[:-1]}
    if not found:
        return []
    which = Q(pk__in=[])
    for grid_id, category_id in found:
        which |= Q(grid_id=grid_id, category_id=category_id)
    ids: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, grid_id, category_id in (
        Dispute.objects.filter(which, _filed(week, bounds[-1]))
        .order_by("pk")
        .values_list("pk", "grid", "category")
    ):
        ids[(grid_id, category_id)].append(pk)
    streets = _streets(g for g, _ in found)
    end = week + timedelta(days=6)
    return [
        Candidate(
            kind=RiskAlert.Kind.RISE,
            street_id=streets[g],
            grid_id=g,
            category_id=c,
            fingerprint=f"rise:{g}:{c}:{week.isoformat()}",
            dispute_ids=ids[(g, c)],
            window_start=week,
            window_end=end,
            figures=figures,
        )  # fmt: skip
        for (g, c), figures in sorted(found.items())
    ]


def repeat_respondent_candidates(today: date) -> list[Candidate]:
    start, stop = today - timedelta(days=REPEAT_DAYS - 1), today + timedelta(days=1)
    window = Dispute.objects.filter(_filed(start, stop)).exclude(respondent_phone_index="").order_by()
    often = (
        window.values("respondent_phone_index")
        .annotate(n=Count("*"))
        .filter(n__gte=REPEAT_MIN)
        .values("respondent_phone_index")
    )
    rows = list(
        window.filter(respondent_phone_index__in=often)
        .order_by("created_at", "pk")
        .values_list("pk", "grid_id", "respondent_phone_index")
    )
    streets = _streets(g for _, g, _ in rows)
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for pk, grid_id, index in rows:
        groups[(streets[grid_id], index)].append(pk)
    return [
        Candidate(
            kind=RiskAlert.Kind.REPEAT_RESPONDENT,
            street_id=street,
            subject=index,
            fingerprint=f"repeat_respondent:{street}:{index}:{ids[0]}",
            dispute_ids=ids,
            window_start=start,
            window_end=today,
            figures={"count": len(ids), "days": REPEAT_DAYS},
        )  # fmt: skip
        for (street, index), ids in sorted(groups.items())
        if len(ids) >= REPEAT_MIN
    ]


def _pair(a: str, b: str) -> str:
    return ":".join(sorted((a, b)))


def after_settlement_candidates(today: date) -> list[Candidate]:
    start, stop = today - timedelta(days=AFTER_SETTLEMENT_DAYS - 1), today + timedelta(days=1)
    columns = ("pk", "grid_id", "claimant_phone_index", "respondent_phone_index", "created_at")
    recent = list(
        Dispute.objects.filter(_filed(start, stop))
        .exclude(claimant_phone_index="")
        .exclude(respondent_phone_index="")
        .order_by("created_at", "pk")
        .values_list(*columns)
    )
    if not recent:
        return []
    phones = {i for row in recent for i in row[2:4]}
    settled = Q(settled_at__isnull=False) | Q(
        state=Dispute.State.CLOSED, outcome=Dispute.Outcome.FULFILLED, closed_at__isnull=False
    )
    earlier = list(
        Dispute.objects.filter(settled, claimant_phone_index__in=phones, respondent_phone_index__in=phones)
        .order_by("created_at", "pk")
        .values_list(*columns, "settled_at", "closed_at")
    )
    streets = _streets([r[1] for r in recent] + [r[1] for r in earlier])
    by_pair: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for row in earlier:
        by_pair[(streets[row[1]], _pair(row[2], row[3]))].append(row)
    out = []
    for pk, grid_id, a, b, filed in recent:
        street, pair = streets[grid_id], _pair(a, b)
        before = [
            row for row in by_pair.get((street, pair), []) if row[0] != pk and (row[5] or row[6]) < filed
        ]
        if before:
            out.append(
                Candidate(
                    kind=RiskAlert.Kind.REPEAT_AFTER_SETTLEMENT,
                    street_id=street,
                    subject=pair,
                    fingerprint=f"repeat_after_settlement:{pk}",
                    dispute_ids=[r[0] for r in before] + [pk],
                    window_start=timezone.localdate(before[0][4]),
                    window_end=timezone.localdate(filed),
                    figures={"earlier": len(before)},
                )  # fmt: skip
            )
    return out


def candidates(today: date) -> list[Candidate]:
    return rise_candidates(today) + repeat_respondent_candidates(today) + after_settlement_candidates(today)
