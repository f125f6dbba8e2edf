"""The respondent ladder's home visit, recorded by a grid worker on the dispute page."""

from datetime import timedelta

import pytest

from disputes.models import DisputeEvent
from disputes.sla import engine

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    def as_user(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return as_user


def visits(dispute) -> list[DisputeEvent]:
    return list(DisputeEvent.objects.filter(dispute=dispute, transition="home_visit"))


def test_the_grid_worker_sees_the_visit_due_and_records_it(dispute, advance, grid_worker, page):
    dispute = advance(dispute, "awaiting_response")
    engine.sweep(now=dispute.due_at - timedelta(hours=23))  # the ladder asks for the visit
    html = page(grid_worker).get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'id="home-visit"' in html and "a visit is due" in html
    response = page(grid_worker).post(
        f"/disputes/{dispute.pk}/home-visit/", {"note": "已上门，被申请人考虑中"}, follow=True
    )
    assert "The home visit is recorded." in response.content.decode()
    (visit,) = visits(dispute)
    assert (visit.actor, visit.reason) == (grid_worker, "已上门，被申请人考虑中")
    dispute.refresh_from_db()
    assert dispute.home_visit_due_at is None


def test_only_the_grid_worker_sees_the_form_and_only_while_the_answer_is_awaited(
    dispute, advance, grid_worker, claimant, page
):
    assert (
        'id="home-visit"' not in page(grid_worker).get(f"/disputes/{dispute.pk}/").content.decode()
    )  # filed
    dispute = advance(dispute, "awaiting_response")
    assert 'id="home-visit"' not in page(claimant).get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'id="home-visit"' in page(grid_worker).get(f"/disputes/{dispute.pk}/").content.decode()


def test_refusals_record_nothing(dispute, advance, grid_worker, claimant, other_grid_worker, page):
    url = f"/disputes/{dispute.pk}/home-visit/"
    still_filed = page(grid_worker).post(url, {"note": "走访"}, follow=True).content.decode()
    assert "only while the respondent&#x27;s answer is awaited" in still_filed
    dispute = advance(dispute, "awaiting_response")
    empty = page(grid_worker).post(url, {"note": "   "}, follow=True).content.decode()
    assert "This field is required." in empty
    party = page(claimant).post(url, {"note": "走访"}, follow=True).content.decode()
    assert "Only a grid worker of this grid can record a home visit." in party
    assert page(other_grid_worker).post(url, {"note": "走访"}).status_code == 404  # not theirs to see
    assert page(grid_worker).get(url).status_code == 405
    assert visits(dispute) == []
