"""2,000 simulated disputes across the demo-shaped grids, equal mediators: even shares."""

from collections import Counter, deque

import pytest
from django.db.models import Count

from accounts.models import Region
from disputes import services
from disputes.models import Category, Dispute
from mediation.pool.ranking import OPEN_STATES
from mediation.pool.services import auto_assign
from tests import factories

pytestmark = pytest.mark.django_db

DISPUTES = 2000
MAX_CASELOAD = 4


def demo_tree():
    """1 district, 2 streets, 4 communities, 8 grids (as seed_demo builds it)."""
    district = Region.objects.create(name="区", kind="district")
    grids, communities = [], []
    for s in range(2):
        street = Region.objects.create(name=f"街道{s + 1}", kind="street", parent=district)
        for c in range(2):
            community = Region.objects.create(name=f"社区{2 * s + c + 1}", kind="community", parent=street)
            communities.append(community)
            for _ in range(2):
                grids.append(
                    Region.objects.create(name=f"网格{len(grids) + 1}", kind="grid", parent=community)
                )
    return communities, grids


def test_two_thousand_disputes_are_shared_evenly_and_nobody_exceeds_their_caseload():
    communities, grids = demo_tree()
    mediators = [factories.staff("mediator", c) for c in communities for _ in range(2)]
    for m in mediators:
        m.mediator_profile.max_caseload = MAX_CASELOAD
        m.mediator_profile.save()
    claimant = factories.UserFactory()
    category = Category.objects.get(slug="neighbourhood")
    disputes = Dispute.objects.bulk_create(
        Dispute(
            title=f"纠纷{i}", description="模拟", category=category, grid=grids[i % len(grids)],
            claimant_name=claimant.full_name, claimant_phone=claimant.phone, respondent_name="某人",
            respondent_phone=f"137{i:08d}", filed_by=claimant, fingerprint=str(i), state="awaiting_mediator",
        )
        for i in range(DISPUTES)
    )  # fmt: skip
    open_disputes: deque[int] = deque()
    for dispute in disputes:
        assignment = auto_assign(dispute.pk)
        assert assignment is not None, f"nobody eligible for dispute {dispute.pk}"
        open_disputes.append(dispute.pk)
        # Mediations finish over time: the oldest open one ends once 2 per mediator are open.
        if len(open_disputes) > 2 * len(mediators):
            services.fire(open_disputes.popleft(), "withdraw", by=claimant, payload={})
        loads = Dispute.objects.filter(state__in=OPEN_STATES).values("mediator").annotate(n=Count("id"))
        assert max(row["n"] for row in loads) <= MAX_CASELOAD

    totals = Counter(
        Dispute.objects.filter(pk__in=[d.pk for d in disputes]).values_list(
            "assignments__mediator", flat=True
        )
    )
    mean = DISPUTES / len(mediators)
    assert sorted(totals) == sorted(m.pk for m in mediators)
    assert all(abs(n - mean) <= 0.1 * mean for n in totals.values()), totals
