"""Satisfaction ratings: who may rate, when, how often, and what a low score sets off."""

import pytest

from disputes.models import Dispute, DisputeEvent, Rating, Review
from mediation.models import MediatorProfile

pytestmark = pytest.mark.django_db


def rate(api, user, dispute, body):
    return api(user).post(f"/api/v1/disputes/{dispute.pk}/rating/", body, format="json")


@pytest.mark.parametrize("state", ["settled", "closed"])
def test_each_party_rates_once_after_settlement_or_close(api, finished, claimant, respondent, state):
    dispute = finished(state)
    first = rate(api, claimant, dispute, {"score": 4, "comment": "调解员很耐心"})
    assert first.status_code == 201, first.content
    assert first.json()["party"] == "claimant" and first.json()["score"] == 4
    again = rate(api, claimant, dispute, {"score": 5})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert rate(api, respondent, dispute, {"score": 3}).status_code == 201
    assert sorted(Rating.objects.values_list("party", "score")) == [("claimant", 4), ("respondent", 3)]
    assert DisputeEvent.objects.filter(dispute=dispute, transition="rated").count() == 2


@pytest.mark.parametrize(
    "state",
    [s for s in Dispute.State.values if s not in ("settled", "closed")],
)
def test_no_rating_before_the_end_or_after_withdrawal_or_rejection(api, finished, claimant, state):
    dispute = finished(state, settled_at=None)
    response = rate(api, claimant, dispute, {"score": 5})
    assert response.status_code == 409
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [0, 6, "x", 4.5, None, ""])
def test_score_must_be_a_whole_number_from_1_to_5(api, finished, claimant, score):
    response = rate(api, claimant, finished(), {"score": score})
    assert response.status_code == 400
    assert "score" in response.json()["errors"]
    assert not Rating.objects.exists()


def test_staff_and_mediator_cannot_rate_and_outsiders_do_not_see_it(
    api, finished, mediator, grid_worker, street_handler, outsider
):
    dispute = finished()
    for user in (mediator, grid_worker, street_handler):
        assert rate(api, user, dispute, {"score": 5}).status_code == 403
    assert rate(api, outsider, dispute, {"score": 5}).status_code == 404
    assert api(None).post(f"/api/v1/disputes/{dispute.pk}/rating/", {"score": 5}).status_code == 401
    assert not Rating.objects.exists()


def test_ratings_feed_the_mediators_average(api, finished, claimant, respondent, mediator):
    dispute = finished()
    rate(api, claimant, dispute, {"score": 5})
    rate(api, respondent, dispute, {"score": 2})
    profile = MediatorProfile.objects.get(user=mediator)
    assert (profile.rating_count, profile.rating_sum, profile.average_rating) == (2, 7, 3.5)


def test_a_rating_without_a_mediator_changes_no_average(api, finished, claimant, mediator):
    dispute = finished("closed", mediator=None)
    assert rate(api, claimant, dispute, {"score": 1}).status_code == 201
    assert MediatorProfile.objects.get(user=mediator).rating_count == 0


def test_a_low_rating_opens_exactly_one_review_for_the_street_supervisor(
    api, finished, claimant, respondent, street_handler, district_handler, settings
):
    from datetime import timedelta

    settings.REVIEW_SLA = timedelta(days=5)
    dispute = finished()
    notified = []
    from disputes import hooks

    def spy(event, notify):
        notified.append((event.transition, list(notify)))

    hooks.ON_EVENT.append(spy)
    try:
        rate(api, claimant, dispute, {"score": 2, "comment": "没人理我"})
        rate(api, respondent, dispute, {"score": 1})
    finally:
        hooks.ON_EVENT.remove(spy)
    review = Review.objects.get()
    assert review.dispute == dispute and review.rating.party == "claimant"
    assert timedelta(days=4, hours=23) < review.due_at - review.opened_at <= timedelta(days=5)
    assert [n for n in notified if n[0] == "review_opened"] == [("review_opened", [street_handler])]
    assert DisputeEvent.objects.filter(dispute=dispute, transition="review_opened").count() == 1


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_fair_rating_opens_no_review(api, finished, claimant, score):
    rate(api, claimant, finished(), {"score": score})
    assert not Review.objects.exists()


def test_detail_shows_my_rating_and_whether_i_may_rate(api, finished, claimant, respondent):
    dispute = finished()
    body = api(claimant).get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert body["can_rate"] is True and body["my_rating"] is None and body["review"] is None
    rate(api, claimant, dispute, {"score": 1, "comment": "太慢"})
    body = api(claimant).get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert body["can_rate"] is False and body["my_rating"]["score"] == 1
    assert body["review"]["answer"] is None and body["review"]["due_at"]
    assert api(respondent).get(f"/api/v1/disputes/{dispute.pk}/").json()["can_rate"] is True


def test_the_rating_form_on_the_dispute_page(client, finished, claimant):
    dispute = finished()
    client.force_login(claimant)
    page = client.get(f"/disputes/{dispute.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'id="rating"' in page.content and b"Send my rating" in page.content
    response = client.post(f"/disputes/{dispute.pk}/rating/", {"score": "2", "comment": "不满意"})
    assert response.status_code == 302 and response["Location"].endswith(f"/disputes/{dispute.pk}/#rating")
    assert Rating.objects.get().score == 2 and Review.objects.count() == 1
    page = client.get(f"/disputes/{dispute.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b"You rated the handling 2 of 5." in page.content
    assert b"Send my rating" not in page.content
    assert b"A supervisor is reviewing how this dispute was handled" in page.content


def test_assignment_ranks_a_better_rated_mediator_first(dispute, advance, regions):
    from mediation.pool import ranking
    from tests import factories

    awaiting = advance(dispute, "awaiting_mediator")
    first = factories.staff("mediator", regions["community1"])
    second = factories.staff("mediator", regions["community1"])

    # Equal in everything else: the lower id would win the tie.
    def order():
        return [c for c in ranking.rank(awaiting).eligible if c.user_id in (first.pk, second.pk)]

    assert [c.user_id for c in order()] == [first.pk, second.pk]
    MediatorProfile.objects.filter(user=second).update(rating_count=4, rating_sum=20)
    MediatorProfile.objects.filter(user=first).update(rating_count=4, rating_sum=6)
    top = order()
    assert [c.user_id for c in top] == [second.pk, first.pk]
    assert top[0].breakdown["satisfaction"]["value"] > 0.5 > top[1].breakdown["satisfaction"]["value"]


def test_the_page_refuses_bad_scores_and_non_parties(client, finished, claimant, mediator):
    dispute = finished()
    client.force_login(claimant)
    response = client.post(
        f"/disputes/{dispute.pk}/rating/", {"score": "9"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert b"Choose a score from 1 to 5." in response.content
    client.force_login(mediator)
    response = client.post(
        f"/disputes/{dispute.pk}/rating/", {"score": "5"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert b"Only the parties can rate a dispute." in response.content
    assert not Rating.objects.exists()
