"""Automatic assignment after commit, the no-eligible path, declines, recusal, and the API."""

import pytest
from django.test import override_settings

from disputes import services
from mediation.models import Assignment, AssignmentFlag, RecusalRequest

pytestmark = pytest.mark.django_db


def test_entering_awaiting_mediator_assigns_the_top_ranked_mediator_after_commit(
    django_capture_on_commit_callbacks, dispute, advance, respondent, mediator
):
    advance(dispute, "awaiting_response")
    with django_capture_on_commit_callbacks(execute=True):
        services.fire(dispute.pk, "respondent_accept", by=respondent)
    dispute.refresh_from_db()
    assert dispute.state == "mediator_assigned" and dispute.mediator == mediator
    last = dispute.events.last()
    assert (last.transition, last.actor, last.actor_role, last.payload) == (
        "assign_mediator", None, "system", {"mediator": "auto"},
    )  # fmt: skip


@override_settings(TIAOJIE_AUTO_ASSIGN=False)
def test_automatic_assignment_can_be_turned_off(
    django_capture_on_commit_callbacks, dispute, advance, respondent, mediator
):
    advance(dispute, "awaiting_response")
    with django_capture_on_commit_callbacks(execute=True):
        services.fire(dispute.pk, "respondent_accept", by=respondent)
    dispute.refresh_from_db()
    assert dispute.state == "awaiting_mediator"


def test_with_nobody_eligible_the_dispute_waits_flagged_with_the_reason(
    django_capture_on_commit_callbacks, api, dispute, advance, respondent, mediator, grid_worker, claimant
):
    mediator.mediator_profile.active = False
    mediator.mediator_profile.save()
    advance(dispute, "awaiting_response")
    with django_capture_on_commit_callbacks(execute=True):
        services.fire(dispute.pk, "respondent_accept", by=respondent)
    dispute.refresh_from_db()
    assert dispute.state == "awaiting_mediator" and dispute.mediator is None
    flag = AssignmentFlag.objects.get(dispute=dispute)
    assert (flag.reason, flag.details) == ("all_ineligible", {"inactive": 1})
    body = api(grid_worker).get(f"/api/v1/disputes/{dispute.pk}/assignments/").json()
    assert body["unassignable"]["reason"] == "all_ineligible"
    r = api(grid_worker).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/assign_mediator/", {"mediator": "auto"}, format="json"
    )
    assert r.status_code == 409 and r.json()["code"] == "no_eligible_mediator"
    mediator.mediator_profile.active = True
    mediator.mediator_profile.save()
    r = api(grid_worker).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/assign_mediator/", {"mediator": "auto"}, format="json"
    )
    assert r.status_code == 200 and r.json()["mediator"]["id"] == mediator.pk
    assert not AssignmentFlag.objects.filter(dispute=dispute).exists()


def test_a_decline_hands_the_dispute_to_the_next_ranked_mediator(
    django_capture_on_commit_callbacks, awaiting, grid_worker, mediator, make_mediator
):
    second = make_mediator()
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    with django_capture_on_commit_callbacks(execute=True):
        services.fire(awaiting.pk, "mediator_decline", by=mediator, payload={"reason": "工作冲突"})
    awaiting.refresh_from_db()
    assert awaiting.state == "mediator_assigned" and awaiting.mediator == second
    assert list(Assignment.objects.values_list("mediator_id", "end_reason")) == [
        (mediator.pk, "declined"), (second.pk, ""),
    ]  # fmt: skip


def test_the_system_never_overrides_a_grid_workers_choice(awaiting, grid_worker, mediator, make_mediator):
    from mediation.pool.services import auto_assign

    other = make_mediator()
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": other.pk})
    assert auto_assign(awaiting.pk) is None
    awaiting.refresh_from_db()
    assert awaiting.mediator == other and Assignment.objects.count() == 1


def test_a_party_asks_for_recusal_and_the_grid_worker_approves(
    django_capture_on_commit_callbacks, api, awaiting, grid_worker, mediator, make_mediator, claimant
):
    second = make_mediator()
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    url = f"/api/v1/disputes/{awaiting.pk}/recusals/"
    assert api(mediator).post(url, {"reason": "x"}, format="json").status_code == 403
    r = api(claimant).post(url, {"reason": "调解员与被申请人是同事"}, format="json")
    assert r.status_code == 201
    assert api(claimant).post(url, {"reason": "again"}, format="json").status_code == 409
    decision = f"{url}{r.json()['id']}/decision/"
    assert api(claimant).post(decision, {"approve": True}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = api(grid_worker).post(decision, {"approve": True, "note": "同意回避"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    awaiting.refresh_from_db()
    assert awaiting.mediator == second
    replaced = awaiting.events.get(transition="replace_mediator")
    assert "同事" in replaced.reason and replaced.actor == grid_worker
    assert api(grid_worker).post(decision, {"approve": False}, format="json").status_code == 409


def test_a_refused_recusal_changes_nothing(api, awaiting, grid_worker, mediator, respondent):
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    r = api(respondent).post(f"/api/v1/disputes/{awaiting.pk}/recusals/", {"reason": "不信任"}, format="json")
    r = api(grid_worker).post(
        f"/api/v1/disputes/{awaiting.pk}/recusals/{r.json()['id']}/decision/",
        {"approve": False},
        format="json",
    )
    assert r.json()["status"] == "refused"
    awaiting.refresh_from_db()
    assert awaiting.mediator == mediator and RecusalRequest.objects.get().status == "refused"


def test_candidates_are_for_staff_only(
    api, awaiting, grid_worker, claimant, outsider, mediator, district_handler
):
    url = f"/api/v1/disputes/{awaiting.pk}/candidates/"
    body = api(grid_worker).get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [c["mediator"]["id"] for c in body["eligible"]] == [mediator.pk]
    top = body["eligible"][0]
    assert top["rank"] == 1 and set(top["breakdown"]) == {
        "expertise",
        "proximity",
        "load",
        "fairness",
        "language",
        "satisfaction",
    }
    assert top["summary"] == "same community, 0 open cases"
    assert api(district_handler).get(url).status_code == 200
    assert api(claimant).get(url).status_code == 403
    assert api(outsider).get(url).status_code == 404


def test_parties_see_who_was_assigned_and_why(api, awaiting, grid_worker, mediator, claimant):
    services.fire(awaiting.pk, "assign_mediator", by=None, payload={"mediator": "auto"})
    body = api(claimant).get(f"/api/v1/disputes/{awaiting.pk}/assignments/", HTTP_ACCEPT_LANGUAGE="en").json()
    (only,) = body["assignments"]
    assert only["mediator"]["id"] == mediator.pk and only["method"] == "auto" and only["rank"] == 1
    assert only["why"] == "same community, 0 open cases"


def test_a_mediator_sets_their_own_leave(api, mediator, claimant):
    url = "/api/v1/mediators/me/availability/"
    r = api(mediator).put(url, {"on_leave_from": "2026-12-01", "on_leave_until": "2026-12-10"}, format="json")
    assert r.status_code == 200 and r.json()["on_leave_until"] == "2026-12-10"
    r = api(mediator).put(url, {"on_leave_from": "2026-12-10", "on_leave_until": "2026-12-01"}, format="json")
    assert r.status_code == 400
    mediator.mediator_profile.refresh_from_db()
    assert str(mediator.mediator_profile.on_leave_from) == "2026-12-01"
    assert api(claimant).get(url).status_code == 404
