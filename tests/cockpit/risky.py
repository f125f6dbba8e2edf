"""A world with one alert of each kind (disputes.reports.risk), for the alert tests and the
browser test: filing times set with queryset updates, relative to today."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

from django.utils import timezone

from disputes.models import Category, Dispute
from disputes.reports import risk
from tests import factories

_phones = itertools.count(13955500000)


def phone() -> str:
    return str(next(_phones))


def filed(
    claimant, grid, when: datetime, *, respondent_phone: str | None = None, category="neighbourhood", **values
):
    d = factories.file_dispute(
        claimant, grid, respondent_phone or phone(), title=f"风险{next(_phones)}",
        category=Category.objects.get(slug=category),
    )  # fmt: skip
    Dispute.objects.filter(pk=d.pk).update(created_at=when, **values)
    d.refresh_from_db()
    return d


def at(day, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def build(regions, claimant) -> dict:
    """street1: a rise in grid1 (neighbourhood) and a repeat respondent (grids 1 and 2, family);
    street2: a new dispute after a settlement between the same two people (grid3)."""
    today = timezone.localdate()
    week = risk.latest_week(today)
    rise = [filed(claimant, regions["grid1"], at(week + timedelta(days=i % 7), 9 + i)) for i in range(5)]
    filed(claimant, regions["grid1"], at(week - timedelta(weeks=3)))  # the baseline: 1 in 8 weeks
    same = phone()
    repeat = [
        filed(claimant, regions["grid1" if i == 0 else "grid2"], at(today - timedelta(days=10 + 20 * i)),
              respondent_phone=same, category="family")
        for i in range(3)
    ]  # fmt: skip
    other = factories.UserFactory(full_name="郑六")
    earlier = filed(
        claimant, regions["grid3"], at(today - timedelta(days=60)), respondent_phone=other.phone,
        category="tenancy", state="settled", settled_at=at(today - timedelta(days=40)),
    )  # fmt: skip
    # Either order: the former respondent files against the former claimant.
    again = filed(
        other,
        regions["grid3"],
        at(today - timedelta(days=5)),
        respondent_phone=claimant.phone,
        category="tenancy",
    )
    return {"rise": rise, "repeat": repeat, "earlier": earlier, "again": again}
