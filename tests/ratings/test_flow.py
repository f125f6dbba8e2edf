"""A real dispute, driven through every transition to settlement, then rated and reviewed."""

import pytest

from disputes.models import Review
from mediation.models import MediatorProfile

pytestmark = pytest.mark.django_db


def test_settle_rate_review_and_follow_up(
    api, dispute, advance, claimant, respondent, mediator, street_handler
):
    settled = advance(dispute, "settled")
    assert settled.settled_at is not None and settled.settled_at >= settled.created_at
    stats = api(street_handler).get("/api/v1/stats/").json()
    assert stats["settled"]["count"] == 1 and stats["median_days_to_settle"] == 0.0
    assert (
        api(claimant).post(f"/api/v1/disputes/{dispute.pk}/rating/", {"score": 2}, format="json").status_code
        == 201
    )
    assert (
        api(respondent)
        .post(f"/api/v1/disputes/{dispute.pk}/rating/", {"score": 5}, format="json")
        .status_code
        == 201
    )
    assert MediatorProfile.objects.get(user=mediator).average_rating == 3.5
    review = Review.objects.get()
    response = api(street_handler).post(
        f"/api/v1/reviews/{review.pk}/answer/",
        {"answer": "调解员未告知履行方式，重新受理。", "finding": "handled_badly", "followup": True},
        format="json",
    )
    assert response.status_code == 200 and response.json()["followup"]["reference"]
    stats = api(street_handler).get("/api/v1/stats/").json()
    assert stats["total"]["count"] == 2 and stats["satisfaction"]["low_rated"]["count"] == 1
