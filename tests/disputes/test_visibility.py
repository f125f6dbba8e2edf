"""Who sees which dispute (docs/architecture.md, docs/api.md): invisible is 404, never 403, on every endpoint."""

import pytest

from tests import factories, samples

pytestmark = pytest.mark.django_db


def detail(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/"


def listed(api, user, dispute) -> bool:
    r = api(user).get("/api/v1/disputes/")
    assert r.status_code == 200
    return dispute.pk in [d["id"] for d in r.json()["results"]]


@pytest.mark.parametrize(
    ("state", "who", "sees"),
    [
        ("filed", "claimant", True),
        ("filed", "grid_worker", True),
        ("filed", "street_handler", True),
        ("filed", "district_handler", True),
        ("filed", "respondent", False),  # not served before intake accepts it
        ("filed", "mediator", False),
        ("filed", "other_grid_worker", False),
        ("filed", "outsider", False),
        ("rejected", "respondent", False),  # never served
        ("awaiting_response", "respondent", True),
        ("awaiting_response", "mediator", False),
        ("mediator_assigned", "mediator", True),
        ("mediator_assigned", "other_mediator", False),
        ("in_mediation", "mediator", True),
        ("in_mediation", "other_grid_worker", False),
        ("in_mediation", "outsider", False),
        ("escalated", "mediator", False),  # escalation ends the mediator's part
        ("escalated", "respondent", False),  # escalated straight from intake: never served
        ("case_handling", "street_handler", True),
        ("closed", "claimant", True),
        ("withdrawn", "grid_worker", True),
    ],
)
def test_who_sees_a_dispute_in_each_state(state, who, sees, dispute, advance, api, cast):
    dispute = advance(dispute, state)
    user = cast(who)
    r = api(user).get(detail(dispute))
    assert r.status_code == (200 if sees else 404)
    assert listed(api, user, dispute) is sees


def test_the_respondent_sees_the_dispute_from_intakes_acceptance(dispute, grid_worker, respondent, api):
    assert api(respondent).get(detail(dispute)).status_code == 404
    api(grid_worker).post(f"{detail(dispute)}transitions/accept/", {}, format="json")
    r = api(respondent).get(detail(dispute))
    assert r.status_code == 200
    assert r.json()["available_transitions"] == ["respondent_accept", "respondent_decline"]


def test_a_mediator_loses_sight_of_the_dispute_when_replaced(dispute, advance, grid_worker, mediator, api):
    dispute = advance(dispute, "in_mediation")
    assert api(mediator).get(detail(dispute)).status_code == 200
    api(grid_worker).post(
        f"{detail(dispute)}transitions/replace_mediator/", {"reason": "回避"}, format="json"
    )
    assert api(mediator).get(detail(dispute)).status_code == 404
    assert api(mediator).get(f"{detail(dispute)}events/").status_code == 404


def test_a_case_handler_of_another_street_sees_nothing(dispute, advance, regions, api):
    elsewhere = factories.staff("case_handler", regions["street2"])
    dispute = advance(dispute, "escalated")
    assert api(elsewhere).get(detail(dispute)).status_code == 404
    r = api(elsewhere).post(f"{detail(dispute)}transitions/take_case/", {}, format="json")
    assert r.status_code == 404


def test_someone_who_registered_the_claimants_phone_without_verifying_it_sees_nothing(dispute, claimant, api):
    impostor = factories.UserFactory(phone=claimant.phone, phone_verified=False)
    assert api(impostor).get(detail(dispute)).status_code == 404
    assert not listed(api, impostor, dispute)


def test_a_deactivated_staff_member_is_shut_out(dispute, grid_worker, api):
    client = api(grid_worker)
    grid_worker.is_active = False
    grid_worker.save()
    r = client.get(detail(dispute))
    assert r.status_code == 401


@pytest.mark.parametrize("who", ["outsider", "respondent", "other_grid_worker", "mediator"])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "events/"),
        ("get", "evidence/"),
        ("post", "evidence/"),
        ("get", "evidence/{evidence}/download/"),
        ("post", "transitions/accept/"),
        ("post", "transitions/withdraw/"),
        ("post", "transitions/no_such_action/"),
        ("put", ""),
        ("patch", ""),
        ("delete", ""),
    ],
)
def test_every_endpoint_answers_404_for_a_dispute_the_caller_cannot_see(
    who, method, suffix, dispute, claimant, api, cast, snapshot
):
    from disputes import services

    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("收据.png", samples.png()))
    before = snapshot(dispute)
    url = detail(dispute) + suffix.format(evidence=evidence.pk)
    data = {"file": samples.upload("x.png", samples.png())} if suffix == "evidence/" else {}
    r = getattr(api(cast(who)), method)(url, data, format="multipart" if data else "json")
    if method in ("put", "patch", "delete"):
        # No such method on a dispute at all; still nothing about this dispute leaks.
        assert r.status_code in (404, 405)
    else:
        assert r.status_code == 404
    assert r.json()["code"] in ("not_found", "method_not_allowed")
    assert snapshot(dispute) == before


@pytest.mark.parametrize("suffix", ["", "events/", "evidence/", "transitions/accept/"])
def test_a_missing_dispute_and_an_invisible_one_get_the_same_answer(suffix, dispute, outsider, api):
    client = api(outsider)
    method = client.post if "transitions" in suffix else client.get
    invisible = method(detail(dispute) + suffix)
    missing = method(f"/api/v1/disputes/{dispute.pk + 999}/{suffix}")
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


def test_the_timeline_is_visible_to_those_who_see_the_dispute_oldest_first(dispute, advance, respondent, api):
    dispute = advance(dispute, "awaiting_mediator")
    r = api(respondent).get(f"{detail(dispute)}events/")
    assert r.status_code == 200
    events = r.json()
    assert [(e["transition"], e["from_state"], e["to_state"]) for e in events] == [
        ("file", None, "filed"),
        ("accept", "filed", "awaiting_response"),
        ("respondent_accept", "awaiting_response", "awaiting_mediator"),
    ]
    assert events[1]["actor"] == {"id": events[1]["actor"]["id"], "name": "赵网格", "role": "grid_worker"}
    assert events[2]["actor"]["role"] == "respondent"
    assert set(events[0]) == {
        "id",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "reason",
        "payload",
        "at",
    }
