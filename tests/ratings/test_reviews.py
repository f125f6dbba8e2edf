"""The supervisor's review of a low rating, its written answer and the follow-up dispute."""

import pytest

from disputes.models import Dispute, DisputeEvent, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(api, finished, claimant):
    dispute = finished()
    assert (
        api(claimant).post(f"/api/v1/disputes/{dispute.pk}/rating/", {"score": 1}, format="json").status_code
        == 201
    )
    return Review.objects.get()


def answer(api, user, review, **body):
    return api(user).post(f"/api/v1/reviews/{review.pk}/answer/", body, format="json")


def test_supervisors_list_reviews_soonest_due_first(api, review, street_handler, grid_worker, claimant):
    body = api(street_handler).get("/api/v1/reviews/").json()
    assert [r["id"] for r in body["results"]] == [review.pk]
    assert body["results"][0]["score"] == 1 and body["results"][0]["answer"] is None
    assert api(grid_worker).get("/api/v1/reviews/").status_code == 403
    assert api(claimant).get("/api/v1/reviews/").status_code == 403


def test_the_answer_is_shown_to_the_resident(api, review, street_handler, claimant):
    response = answer(api, street_handler, review, answer="已核实，调解员处理及时。", finding="handled_well")
    assert response.status_code == 200, response.content
    assert response.json()["finding"] == "handled_well"
    body = api(claimant).get(f"/api/v1/disputes/{review.dispute_id}/").json()
    assert (
        body["review"]["answer"] == "已核实，调解员处理及时。" and body["review"]["finding"] == "handled_well"
    )
    event = DisputeEvent.objects.get(dispute_id=review.dispute_id, transition="review_answered")
    assert event.actor == street_handler and event.reason == "已核实，调解员处理及时。"
    assert answer(api, street_handler, review, answer="再答", finding="handled_badly").status_code == 409


def test_only_the_grids_supervisor_answers(api, review, grid_worker, mediator, claimant, regions):
    from tests import factories

    other_street = factories.staff("case_handler", regions["street2"])
    for user in (grid_worker, mediator, claimant, other_street):
        assert answer(api, user, review, answer="x", finding="handled_well").status_code == 404
    assert not Review.objects.get().answered_at


def test_malformed_answers_are_refused(api, review, street_handler):
    assert answer(api, street_handler, review, answer="", finding="handled_well").status_code == 400
    assert answer(api, street_handler, review, answer="好", finding="fine").status_code == 400
    response = answer(api, street_handler, review, answer="好", finding="handled_well", followup=True)
    assert response.status_code == 400 and "followup" in response.json()["errors"]
    assert not Dispute.objects.filter(follows__isnull=False).exists()


def test_handled_badly_opens_a_linked_followup_at_intake(api, review, street_handler, claimant, respondent):
    original = review.dispute
    assert (
        answer(
            api, street_handler, review, answer="调解员未回应，重新受理。", finding="handled_badly"
        ).status_code
        == 200
    )
    response = api(street_handler).post(f"/api/v1/reviews/{review.pk}/followup/")
    assert response.status_code == 201, response.content
    followup = Dispute.objects.get(pk=response.json()["id"])
    assert followup.state == "filed" and followup.follows == original
    assert followup.reference.startswith("TJ-") and followup.due_at is not None
    assert (followup.claimant_phone, followup.respondent_phone, followup.grid_id) == (
        original.claimant_phone, original.respondent_phone, original.grid_id,
    )  # fmt: skip
    assert original.reference in followup.description
    assert list(followup.events.values_list("transition", flat=True)) == ["file"]
    assert DisputeEvent.objects.filter(dispute=original, transition="followup_opened").count() == 1
    # Both pages and the API show the link.
    assert api(claimant).get(f"/api/v1/disputes/{followup.pk}/").json()["follows"]["id"] == original.pk
    assert api(claimant).get(f"/api/v1/disputes/{original.pk}/").json()["followups"] == [
        {"id": followup.pk, "reference": followup.reference}
    ]
    # Once only.
    assert api(street_handler).post(f"/api/v1/reviews/{review.pk}/followup/").status_code == 409
    assert Dispute.objects.filter(follows=original).count() == 1


def test_no_followup_when_handled_well_or_unanswered(api, review, street_handler):
    assert api(street_handler).post(f"/api/v1/reviews/{review.pk}/followup/").status_code == 409
    answer(api, street_handler, review, answer="处理得当", finding="handled_well")
    assert api(street_handler).post(f"/api/v1/reviews/{review.pk}/followup/").status_code == 409
    assert not Dispute.objects.filter(follows__isnull=False).exists()


def test_answer_with_followup_in_one_step_and_on_the_pages(client, review, street_handler, claimant):
    client.force_login(street_handler)
    page = client.get("/disputes/reviews/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and review.dispute.reference.encode() in page.content
    response = client.post(
        f"/disputes/reviews/{review.pk}/answer/",
        {"finding": "handled_badly", "answer": "确有拖延，另行立案。", "followup": "on"},
    )
    assert response.status_code == 302
    followup = Dispute.objects.get(follows=review.dispute)
    client.force_login(claimant)
    original_page = client.get(f"/disputes/{review.dispute_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "确有拖延，另行立案。" in original_page and followup.reference in original_page
    followup_page = client.get(f"/disputes/{followup.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This dispute follows up" in followup_page and review.dispute.reference in followup_page


def test_reviews_page_is_for_supervisors(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get("/disputes/reviews/").status_code == 403


def test_unanswered_reviews_come_first_soonest_due_first(
    api, review, regions, claimant, respondent, street_handler
):
    from datetime import timedelta

    from django.utils import timezone

    from tests import factories

    later = factories.file_dispute(claimant, regions["grid2"], respondent.phone, title="另一件")
    Dispute.objects.filter(pk=later.pk).update(state="closed", served_at=timezone.now())
    api(claimant).post(f"/api/v1/disputes/{later.pk}/rating/", {"score": 2}, format="json")
    second = Review.objects.get(dispute=later)
    Review.objects.filter(pk=second.pk).update(due_at=review.due_at - timedelta(days=1))
    assert [r["id"] for r in api(street_handler).get("/api/v1/reviews/").json()["results"]] == [
        second.pk,
        review.pk,
    ]
    answer(api, street_handler, second, answer="已处理", finding="handled_well")
    assert [r["id"] for r in api(street_handler).get("/api/v1/reviews/").json()["results"]] == [
        review.pk,
        second.pk,
    ]
