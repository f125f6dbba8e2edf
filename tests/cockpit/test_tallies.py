"""The tallies behind the cockpit (Tally, SettlementTally) always equal a direct count.

Database triggers keep them, so every way a dispute is written counts: filing and real
transitions (services), queryset updates of state, dates, grid or category, and deletes.
"""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from disputes.models import Category, Dispute, SettlementTally, Tally
from disputes.reports import scope, stats, tallies
from tests import factories

pytestmark = pytest.mark.django_db


def tallied() -> tuple[dict, dict]:
    counts = {(t.grid_id, t.month, t.category_id, t.state): t.n for t in Tally.objects.all() if t.n}
    days = {(t.grid_id, t.month, t.category_id, t.days): t.n for t in SettlementTally.objects.all() if t.n}
    return counts, days


def counted() -> tuple[dict, dict]:
    """The same figures counted from the disputes, in Python."""
    counts: dict = {}
    days: dict = {}
    for d in Dispute.objects.all():
        month = timezone.localtime(d.created_at).date().replace(day=1)
        key = (d.grid_id, month, d.category_id, d.state)
        counts[key] = counts.get(key, 0) + 1
        if d.settled_at:
            whole = int((d.settled_at - d.created_at).total_seconds() // 86400)
            key = (d.grid_id, month, d.category_id, whole)
            days[key] = days.get(key, 0) + 1
    return counts, days


def test_a_random_walk_of_writes_keeps_the_tallies_exact(regions, claimant, respondent, advance):
    rng = random.Random(11)
    grids = [regions["grid1"], regions["grid2"], regions["grid3"]]
    categories = list(Category.objects.all()[:3])
    now = timezone.now()
    disputes = []
    for n in range(12):  # filed through the service, some driven through real transitions
        d = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"纠纷{n}")
        state = rng.choice(["filed", "awaiting_response", "escalated", "closed", "settled", "withdrawn"])
        disputes.append(advance(d, state))
    assert tallied() == counted()
    for step in range(60):
        d = rng.choice(disputes)
        move = rng.choice(["state", "settled", "unsettled", "filed", "grid", "category", "touch"])
        changes = {
            "state": {"state": rng.choice(Dispute.State.values)},
            # Settlement times across whole-day boundaries, and an exact number of days.
            "settled": {"settled_at": d.created_at + timedelta(days=rng.choice([0.5, 1, 2.999, 3, 40]))},
            "unsettled": {"settled_at": None},
            # Filing times across month boundaries (in the site's time zone).
            "filed": {"created_at": now - timedelta(days=rng.uniform(0, 100))},
            "grid": {"grid": rng.choice(grids)},
            "category": {"category": rng.choice(categories)},
            "touch": {"title": f"改{step}"},  # a column the tallies ignore
        }[move]
        Dispute.objects.filter(pk=d.pk).update(**changes)
        d.refresh_from_db()
    assert tallied() == counted()
    # Several rows in one statement, then deletes.
    Dispute.objects.filter(pk__in=[d.pk for d in disputes[:5]]).update(state="closed", grid=grids[2])
    Dispute.objects.filter(pk__in=[d.pk for d in disputes[5:8]]).delete()
    assert tallied() == counted()
    Dispute.objects.all().delete()
    assert tallied() == ({}, {})
    assert not Tally.objects.filter(n__lt=0).exists()


def test_deleting_disputes_after_their_tallies_leaves_nothing_behind(regions, claimant, respondent):
    """A test flush may empty the tallies before the disputes: no negative rows appear."""
    factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    Tally.objects.all().delete()
    Dispute.objects.all().delete()
    assert not Tally.objects.exists() and not SettlementTally.objects.exists()


@pytest.mark.parametrize(
    "start, end, months, edges",
    [
        (None, None, (None, None), []),
        (date(2026, 3, 1), date(2026, 5, 31), (date(2026, 3, 1), date(2026, 6, 1)), []),
        (
            date(2026, 3, 15), date(2026, 6, 10),
            (date(2026, 4, 1), date(2026, 6, 1)),
            [(date(2026, 3, 15), date(2026, 4, 1)), (date(2026, 6, 1), date(2026, 6, 11))],
        ),
        (date(2026, 3, 15), date(2026, 3, 20), None, [(date(2026, 3, 15), date(2026, 3, 21))]),
        (date(2026, 3, 15), date(2026, 4, 20), None, [(date(2026, 3, 15), date(2026, 4, 21))]),
        (date(2026, 12, 2), None, (date(2027, 1, 1), None), [(date(2026, 12, 2), date(2027, 1, 1))]),
        (None, date(2026, 2, 27), (None, date(2026, 2, 1)), [(date(2026, 2, 1), date(2026, 2, 28))]),
        (None, date(2026, 2, 28), (None, date(2026, 3, 1)), []),
    ],
)  # fmt: skip
def test_a_period_splits_into_whole_months_and_edge_days(start, end, months, edges):
    assert tallies.split_period(start, end) == (months, edges)


def _periods():
    today = timezone.localdate()
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    return [
        (None, None),
        (today - timedelta(days=30), today),
        (today - timedelta(days=75), today - timedelta(days=20)),
        (last_month, first - timedelta(days=1)),  # exactly one whole month
        (last_month + timedelta(days=3), last_month + timedelta(days=9)),  # inside one month
        (today - timedelta(days=45), None),
        (None, today - timedelta(days=40)),
    ]


@pytest.mark.parametrize("period", range(7))
def test_the_figures_equal_a_direct_count_for_any_period(world, regions, period):
    start, end = _periods()[period]
    fig = stats.figures(scope.Filters(regions=[regions["district"]], start=start, end=end))
    rows = [d for d in Dispute.objects.all() if _filed_in(d, start, end)]
    assert fig.total == len(rows)
    assert fig.by_state == {s: sum(1 for d in rows if d.state == s) for s in Dispute.State.values}
    now = timezone.now()
    assert fig.overdue == sum(1 for d in rows if d.due_at and d.due_at < now)
    settled = sorted(d.settled_at - d.created_at for d in rows if d.settled_at)
    assert fig.settled == len(settled)
    if settled:
        middle = len(settled) // 2
        median = settled[middle] if len(settled) % 2 else (settled[middle - 1] + settled[middle]) / 2
        assert fig.median_days == round(median.total_seconds() / 86400, 1)
    else:
        assert fig.median_days is None
    per_grid = {g["grid"].pk: g["total"] for g in fig.grids}
    assert per_grid == {
        grid: n for grid in {d.grid_id for d in rows} if (n := sum(1 for d in rows if d.grid_id == grid))
    }


def _filed_in(d: Dispute, start: date | None, end: date | None) -> bool:
    day = timezone.localtime(d.created_at).date()
    return (start is None or day >= start) and (end is None or day <= end)


def test_the_median_with_an_even_count_averages_the_two_middle_times(regions, claimant, respondent):
    now = timezone.now()
    for n, days in enumerate([1.25, 2.5, 2.75, 9.0]):
        d = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"纠纷{n}")
        created = now - timedelta(days=20)
        Dispute.objects.filter(pk=d.pk).update(
            state="settled", created_at=created, settled_at=created + timedelta(days=days)
        )
    fig = stats.figures(scope.Filters(regions=[regions["district"]]))
    assert (fig.settled, fig.median_days) == (4, 2.6)  # (2.5 + 2.75) / 2 = 2.625
