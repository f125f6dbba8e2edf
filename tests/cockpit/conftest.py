import random
from datetime import timedelta

import pytest
from django.utils import timezone

from disputes.models import Category, Dispute, Rating
from tests import factories

STATES = [s for s in Dispute.State.values]


@pytest.fixture
def world(regions, claimant, respondent):
    """40 disputes over the three grids, every state, filed over 90 days, some overdue,
    some settled, some rated (low and fair). States and dates set with queryset updates:
    the figures read columns, not the path a dispute took."""
    rng = random.Random(7)
    now = timezone.now()
    categories = list(Category.objects.all()[:4])
    grids = [regions["grid1"], regions["grid2"], regions["grid3"]]
    disputes = []
    for n in range(40):
        d = factories.file_dispute(
            claimant, grids[n % 3], respondent.phone, title=f"纠纷{n}", category=categories[n % 4]
        )
        state = STATES[n % len(STATES)]
        created = now - timedelta(days=rng.uniform(0, 90))
        values = {"state": state, "created_at": created, "served_at": created}
        values["due_at"] = (
            None if state in Dispute.TERMINAL else now + timedelta(days=rng.choice([-3, -1, 2, 5]))
        )
        if state in ("settled", "closed") or (state == "escalated" and n % 2):
            values["settled_at"] = created + timedelta(days=rng.uniform(1, 30))
        Dispute.objects.filter(pk=d.pk).update(**values)
        d.refresh_from_db()
        disputes.append(d)
        if state in ("settled", "closed"):
            Rating.objects.create(dispute=d, party="claimant", by=claimant, score=[1, 2, 4, 5][n % 4])
            if n % 3 == 0:
                Rating.objects.create(dispute=d, party="respondent", by=respondent, score=[2, 5][n % 2])
    return disputes
