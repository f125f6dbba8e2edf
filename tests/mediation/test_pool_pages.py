"""The mediation panel on the dispute page, recusal by form, and the mediator's caseload page."""

import pytest
from django.test import Client

from disputes import services
from mediation.models import RecusalRequest

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_grid_worker_sees_ranked_candidates_with_reasons_and_can_assign(
    awaiting, grid_worker, mediator, make_mediator
):
    expert = make_mediator()
    expert.full_name = "王专家"
    expert.save()
    expert.mediator_profile.expertise.add(awaiting.category)
    page = browser(grid_worker).get(awaiting.get_absolute_url()).content.decode()
    assert "Ranked candidates" in page
    assert "same community, Neighbourhood expertise, 0 open cases" in page
    assert page.index("王专家") < page.index(mediator.full_name)
    r = browser(grid_worker).post(
        f"/disputes/{awaiting.pk}/transitions/assign_mediator/", {"mediator": str(mediator.pk)}
    )
    assert r.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.mediator == mediator


def test_parties_see_who_was_assigned_and_why_but_not_the_candidates(awaiting, claimant, mediator):
    services.fire(awaiting.pk, "assign_mediator", by=None, payload={"mediator": "auto"})
    page = browser(claimant).get(awaiting.get_absolute_url()).content.decode()
    assert "Assigned automatically: ranked 1 of 1 eligible mediators." in page
    assert "same community, 0 open cases" in page
    assert "Ranked candidates" not in page


def test_a_party_asks_for_recusal_from_the_page_and_the_grid_worker_approves(
    awaiting, claimant, grid_worker, mediator, make_mediator
):
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    r = browser(claimant).post(
        f"/mediation/pool/disputes/{awaiting.pk}/recusal/", {"reason": "调解员是对方亲戚"}
    )
    assert r.status_code == 302
    recusal = RecusalRequest.objects.get()
    page = browser(grid_worker).get(awaiting.get_absolute_url()).content.decode()
    assert "调解员是对方亲戚" in page and "Approve: replace the mediator" in page
    browser(grid_worker).post(
        f"/mediation/pool/disputes/{awaiting.pk}/recusal/{recusal.pk}/decision/", {"approve": "true"}
    )
    awaiting.refresh_from_db()
    assert awaiting.state == "awaiting_mediator" and awaiting.mediator is None


def test_an_outsider_cannot_request_recusal(awaiting, outsider, grid_worker, mediator):
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    r = browser(outsider).post(f"/mediation/pool/disputes/{awaiting.pk}/recusal/", {"reason": "x"})
    assert r.status_code == 404
    assert not RecusalRequest.objects.exists()


def test_the_mediator_sees_pending_acceptances_and_sets_leave(awaiting, grid_worker, mediator):
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    page = browser(mediator).get("/mediation/pool/caseload/").content.decode()
    assert awaiting.title in page and "1 of at most 10 open cases" in page
    browser(mediator).post(
        "/mediation/pool/caseload/", {"on_leave_from": "2026-12-01", "on_leave_until": "2026-12-05"}
    )
    mediator.mediator_profile.refresh_from_db()
    assert str(mediator.mediator_profile.on_leave_until) == "2026-12-05"


def test_the_caseload_page_is_for_mediators(claimant):
    assert browser(claimant).get("/mediation/pool/caseload/").status_code == 404


def test_parties_and_the_mediator_find_the_chat_from_the_dispute_page(
    dispute, advance, claimant, mediator, grid_worker
):
    advance(dispute, "in_mediation")
    for user in (claimant, mediator):
        assert (
            f"/mediation/disputes/{dispute.pk}/chat/"
            in browser(user).get(dispute.get_absolute_url()).content.decode()
        )
    assert "/chat/" not in browser(grid_worker).get(dispute.get_absolute_url()).content.decode()
