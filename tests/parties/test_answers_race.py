"""Two respondents answering at once, on PostgreSQL with real concurrent connections: both
answers count and exactly one of them moves the dispute to awaiting_mediator."""

from __future__ import annotations

import os

import pytest

from disputes.models import DisputeEvent
from tests.disputes.test_concurrency import post, race, slow_transitions  # noqa: F401 - fixture

from .answers_cases import build, url

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories", "slow_transitions"),
]


@pytest.mark.parametrize("second", ["respondent_accept", "respondent_decline"])
def test_the_last_two_respondents_answering_at_once_move_the_dispute_once(
    regions,
    grid_worker,
    claimant,
    respondent,
    api,
    second,
):
    case = build(regions, grid_worker, claimant, respondent, 1, 3)
    first = case.respondents[0]
    assert (
        api(case.actor[first.pk]).post(url(case.dispute, "respondent_accept"), {}, format="json").status_code
        == 200
    )
    body = {"reason": "不同意"} if second == "respondent_decline" else {}
    results = race(
        post(api(case.actor[case.respondents[1].pk]), url(case.dispute, "respondent_accept")),
        post(api(case.actor[case.respondents[2].pk]), url(case.dispute, second), body),
    )
    assert sorted(s for s, _ in results) == [200, 200], results
    case.refresh()
    assert case.dispute.state == "awaiting_mediator"
    assert all(p.answer != "pending" for p in case.respondents)
    moved = DisputeEvent.objects.filter(dispute=case.dispute, to_state="awaiting_mediator")
    assert moved.count() == 1
    answers = DisputeEvent.objects.filter(
        dispute=case.dispute, transition__in=["respondent_accept", "respondent_decline"]
    )
    assert answers.count() == 3


def test_the_same_respondent_answering_twice_at_once_answers_once(
    regions,
    grid_worker,
    claimant,
    respondent,
    api,
):
    case = build(regions, grid_worker, claimant, respondent, 1, 3)
    agent = case.actor[case.respondents[1].pk]
    results = race(
        post(api(agent), url(case.dispute, "respondent_accept")),
        post(api(agent), url(case.dispute, "respondent_decline"), {"reason": "不同意"}),
    )
    assert sorted(s for s, _ in results) == [200, 409], results
    assert (
        DisputeEvent.objects.filter(
            dispute=case.dispute, transition__in=["respondent_accept", "respondent_decline"]
        ).count()
        == 1
    )
