"""Ratings under real concurrency on PostgreSQL: one review however the ratings interleave."""

import os

import pytest

from core.errors import ServiceError
from disputes.models import Rating, Review
from disputes.ratings import services as ratings
from mediation.models import MediatorProfile
from tests.disputes.test_concurrency import race

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]


def attempt(dispute, user, score):
    def call():
        try:
            return ratings.rate(dispute, by=user, score=score)
        except ServiceError as exc:
            return exc.status

    return call


def test_both_parties_rating_low_at_once_open_one_review(finished, claimant, respondent, mediator):
    dispute = finished()
    results = race(attempt(dispute, claimant, 1), attempt(dispute, respondent, 2))
    assert all(isinstance(r, Rating) for r in results)
    assert Review.objects.filter(dispute=dispute).count() == 1
    profile = MediatorProfile.objects.get(user=mediator)
    assert (profile.rating_count, profile.rating_sum) == (2, 3)


def test_one_party_rating_twice_at_once_counts_once(finished, claimant, mediator):
    dispute = finished()
    results = race(*(attempt(dispute, claimant, 1) for _ in range(3)))
    assert sorted(r if isinstance(r, int) else 201 for r in results) == [201, 409, 409]
    assert Rating.objects.count() == 1 and Review.objects.count() == 1
    assert MediatorProfile.objects.get(user=mediator).rating_count == 1
