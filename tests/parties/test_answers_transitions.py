"""Answering the invitation and withdrawing with several parties on a side, acted for by the
parties themselves, their agents and guardians (docs/state-machine.md, "Many parties")."""

from __future__ import annotations

import pytest

from disputes import services
from disputes.models import Dispute, DisputeEvent, Level
from tests import factories

from .answers_cases import build, represent, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(regions, grid_worker, claimant, respondent):
    def go(claimants: int, respondents: int, **kwargs):
        return build(regions, grid_worker, claimant, respondent, claimants, respondents, **kwargs)

    return go


def answer(api, case, party, name="respondent_accept", body=None, status=200):
    body = body or ({"reason": "不同意调解"} if name == "respondent_decline" else {})
    r = api(case.actor[party.pk]).post(url(case.dispute, name), body, format="json")
    assert r.status_code == status, r.json()
    return r.json()


def last_event(case) -> DisputeEvent:
    return DisputeEvent.objects.filter(dispute=case.dispute).order_by("-id").first()


# --- answering ------------------------------------------------------------------------------------
def test_one_by_one_an_agent_answers_for_the_respondent(make, api):
    case = make(1, 1)
    body = answer(api, case, case.respondents[0])
    assert body["state"] == "awaiting_mediator"
    event = last_event(case)
    assert (event.transition, event.from_state, event.to_state) == (
        "respondent_accept", "awaiting_response", "awaiting_mediator",
    )  # fmt: skip
    assert event.actor == case.actor[case.respondents[0].pk] and event.actor_role == "respondent"
    # Someone acting for another party is recorded with the capacity they act in.
    assert event.payload == {"party": case.respondents[0].pk, "capacity": "agent"}
    case.refresh()
    assert case.respondents[0].answer == "accepted" and case.respondents[0].answered_at is not None
    # The respondent's own answer comes too late: the dispute has moved on.
    r = api(case.own[case.respondents[0].pk]).post(url(case.dispute, "respondent_accept"), {}, format="json")
    assert r.status_code == 409


def test_one_by_three_all_accept_moves_on_at_the_last_answer(make, api):
    case = make(1, 3)
    first, second, third = case.respondents
    assert answer(api, case, first)["state"] == "awaiting_response"
    due = Dispute.objects.get(pk=case.dispute.pk).due_at
    assert answer(api, case, second)["state"] == "awaiting_response"
    # One answer among several keeps the answer's deadline as it was.
    assert Dispute.objects.get(pk=case.dispute.pk).due_at == due
    assert answer(api, case, third)["state"] == "awaiting_mediator"
    events = list(
        DisputeEvent.objects.filter(dispute=case.dispute, transition="respondent_accept").values_list(
            "from_state", "to_state", "payload"
        )
    )
    assert events == [
        ("awaiting_response", "awaiting_response", {"party": first.pk, "capacity": "party"}),
        ("awaiting_response", "awaiting_response", {"party": second.pk, "capacity": "agent"}),
        ("awaiting_response", "awaiting_mediator", {"party": third.pk, "capacity": "guardian"}),
    ]
    case.refresh()
    assert [p.answer for p in case.respondents] == ["accepted"] * 3
    assert [p.pk for p in case.dispute.taking_part("respondent")] == [first.pk, second.pk, third.pk]


def test_partial_acceptance_goes_on_with_those_who_accepted(make, api):
    case = make(1, 3)
    first, second, third = case.respondents
    answer(api, case, first, "respondent_decline")
    answer(api, case, second)
    body = answer(api, case, third, "respondent_decline")
    assert body["state"] == "awaiting_mediator"
    case.refresh()
    assert case.dispute.level == Level.COMMUNITY  # not escalated: no rise
    assert [p.answer for p in case.respondents] == ["declined", "accepted", "declined"]
    assert [p.takes_part for p in case.respondents] == [False, True, False]
    assert [p.pk for p in case.dispute.taking_part()] == [case.claimants[0].pk, second.pk]
    assert case.dispute.answers_complete()
    event = last_event(case)
    assert (event.transition, event.to_state, event.reason) == (
        "respondent_decline", "awaiting_mediator", "不同意调解",
    )  # fmt: skip


def test_all_declining_escalates_and_raises_the_level(make, api):
    case = make(1, 3)
    for p in case.respondents[:2]:
        assert answer(api, case, p, "respondent_decline")["state"] == "awaiting_response"
    assert answer(api, case, case.respondents[2], "respondent_decline")["state"] == "escalated"
    case.refresh()
    assert case.dispute.level == Level.STREET and case.dispute.mediator is None
    assert not case.dispute.taking_part("respondent")


def test_three_claimants_one_respondent_the_respondent_answers_alone(make, api):
    case = make(3, 1)
    assert answer(api, case, case.respondents[0])["state"] == "awaiting_mediator"
    assert last_event(case).payload == {}  # their own party, alone on their side: as with two parties


@pytest.mark.parametrize(
    ("answers", "target", "declined"),
    [
        (["respondent_accept"], "awaiting_mediator", [False, True, True]),
        (["respondent_decline"], "escalated", [True, True, True]),
        (["respondent_decline", "respondent_accept"], "awaiting_mediator", [True, False, True]),
        ([], "escalated", [True, True, True]),
    ],
)
def test_the_answer_deadline_declines_for_everyone_still_pending(make, api, answers, target, declined):
    case = make(1, 3)
    for p, name in zip(case.respondents, answers, strict=False):
        answer(api, case, p, name)
    answered_at = {p.pk: p.answered_at for p in case.refresh().respondents}
    services.fire(case.dispute.pk, "respondent_decline", by=None, payload={"reason": "逾期未答复"})
    case.refresh()
    assert case.dispute.state == target
    assert [p.answer == "declined" for p in case.respondents] == declined
    assert all(p.answered_at for p in case.respondents)
    for p in case.respondents[: len(answers)]:
        assert p.answered_at == answered_at[p.pk]  # a given answer stands
    event = last_event(case)
    assert (event.transition, event.actor, event.actor_role, event.to_state) == (
        "respondent_decline", None, "system", target,
    )  # fmt: skip


def test_the_sla_sweep_applies_the_partial_acceptance_rule(make, api):
    from datetime import timedelta

    from disputes.sla import engine

    case = make(1, 3)
    answer(api, case, case.respondents[1])
    due = Dispute.objects.get(pk=case.dispute.pk).due_at
    engine.sweep(due + timedelta(minutes=1))
    case.refresh()
    assert case.dispute.state == "awaiting_mediator"
    assert [p.answer for p in case.respondents] == ["declined", "accepted", "declined"]


def test_answering_twice_is_a_conflict(make, api, snapshot):
    case = make(1, 3)
    answer(api, case, case.respondents[1])
    before = snapshot(case.dispute)
    body = answer(api, case, case.respondents[1], "respondent_decline", status=409)
    assert body["code"] == "conflict"
    assert snapshot(case.dispute) == before
    assert case.refresh().respondents[1].answer == "accepted"


def test_someone_acting_for_several_chooses_the_party(make, api, grid_worker):
    case = make(1, 3)
    second, third = case.respondents[1], case.respondents[2]
    agent = case.actor[second.pk]
    # The same agent is authorised for the third respondent too.
    from disputes.models import Representative
    from disputes.parties.services import add_representative, check_representative
    from tests import samples

    rep = add_representative(
        third, by=grid_worker, kind="agent", relation="lawyer", name="律师", phone=agent.phone,
        authorisation=samples.png(), filename="a.png",
    )  # fmt: skip
    check_representative(rep, by=grid_worker, approve=True)
    assert Representative.objects.get(pk=rep.pk).status == "approved"
    r = api(agent).post(
        url(case.dispute, "respondent_decline"), {"reason": "不同意", "party": third.pk}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert last_event(case).payload == {"party": third.pk, "capacity": "agent"}
    # Without a choice: the first one still unanswered.
    r = api(agent).post(url(case.dispute, "respondent_accept"), {}, format="json")
    assert r.status_code == 200 and last_event(case).payload["party"] == second.pk
    # Nobody left to answer for.
    assert api(agent).post(url(case.dispute, "respondent_accept"), {}, format="json").status_code == 409
    # A party they do not act for.
    r = api(agent).post(
        url(case.dispute, "respondent_accept"), {"party": case.respondents[0].pk}, format="json"
    )
    assert r.status_code == 403
    assert case.refresh().respondents[0].answer == "pending"


# --- who may answer -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "may", "expected"),
    [("pending", {}, 404), ("rejected", {}, 404), ("approved", {"may_answer": False}, 403)],
)
def test_agents_without_a_valid_authorisation_to_answer_are_refused(
    make, api, grid_worker, snapshot, status, may, expected
):
    case = make(1, 3)
    party = case.respondents[1]
    agent = represent(party, grid_worker, "agent", status=status, **may)
    before = snapshot(case.dispute)
    for name, body in (("respondent_accept", {}), ("respondent_decline", {"reason": "不同意"})):
        r = api(agent).post(url(case.dispute, name), body, format="json")
        assert r.status_code == expected, r.json()
    assert snapshot(case.dispute) == before
    assert case.refresh().respondents[1].answer == "pending"


def test_a_guardian_answers_whatever_the_may_flags(make, api, grid_worker):
    case = make(1, 3)
    guardian = represent(case.respondents[1], grid_worker, "guardian", may_answer=False)
    r = api(guardian).post(url(case.dispute, "respondent_accept"), {}, format="json")
    assert r.status_code == 200
    assert last_event(case).payload == {"party": case.respondents[1].pk, "capacity": "guardian"}


def test_another_disputes_party_and_the_claimants_cannot_answer(make, api, regions, outsider):
    case = make(1, 3)
    other = build_other(regions, outsider)
    stranger = other.own[other.respondents[1].pk]
    r = api(stranger).post(url(case.dispute, "respondent_accept"), {}, format="json")
    assert r.status_code == 404
    r = api(case.actor[case.claimants[0].pk]).post(url(case.dispute, "respondent_accept"), {}, format="json")
    assert r.status_code == 403
    # A claimant's agent is no respondent either.
    case3 = build_three_claimants(case, regions)
    r = api(case3.actor[case3.claimants[1].pk]).post(
        url(case3.dispute, "respondent_accept"), {}, format="json"
    )
    assert r.status_code == 403


def build_other(regions, outsider):
    from accounts.models import StaffRole

    worker = StaffRole.objects.filter(role="grid_worker").first().user
    respondent = factories.UserFactory()
    return build(regions, worker, outsider, respondent, 1, 3)


def build_three_claimants(case, regions):
    from accounts.models import StaffRole

    worker = StaffRole.objects.filter(role="grid_worker").first().user
    return build(regions, worker, factories.UserFactory(), factories.UserFactory(), 3, 1)


@pytest.mark.parametrize(
    ("name", "body"), [("respondent_accept", {}), ("respondent_decline", {"reason": "否"})]
)
def test_answering_in_another_state_is_a_conflict(make, api, advance, name, body):
    case = make(1, 3)
    for p in case.respondents:
        answer(api, case, p)
    assert case.refresh().dispute.state == "awaiting_mediator"
    for p in case.respondents:
        r = api(case.actor[p.pk]).post(url(case.dispute, name), body, format="json")
        assert r.status_code == 409, r.json()


# --- withdrawal -----------------------------------------------------------------------------------
def test_one_of_three_claimants_withdraws_then_the_others(make, api, grid_worker, mediator):
    case = make(3, 1)
    answer(api, case, case.respondents[0])
    services.fire(case.dispute.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    first, second, third = case.claimants
    due = Dispute.objects.get(pk=case.dispute.pk).due_at
    # The agent withdraws the second claimant's claim: the dispute goes on for the others.
    r = api(case.actor[second.pk]).post(url(case.dispute, "withdraw"), {"reason": "已和解"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "mediator_assigned"
    case.refresh()
    assert case.dispute.mediator == mediator and case.dispute.closed_at is None
    assert Dispute.objects.get(pk=case.dispute.pk).due_at == due
    assert second.withdrawn_at is not None and not second.takes_part
    event = last_event(case)
    assert (event.transition, event.from_state, event.to_state, event.reason, event.payload) == (
        "withdraw", "mediator_assigned", "mediator_assigned", "已和解", {"party": second.pk, "capacity": "agent"},
    )  # fmt: skip
    # The same claim cannot be withdrawn twice.
    assert (
        api(case.actor[second.pk]).post(url(case.dispute, "withdraw"), {}, format="json").status_code == 409
    )
    # The guardian withdraws the third's; then the lead's withdrawal is the last: the dispute ends.
    r = api(case.actor[third.pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    assert r.json()["state"] == "mediator_assigned"
    r = api(case.actor[first.pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    case.refresh()
    assert case.dispute.mediator is None and case.dispute.closed_at is not None
    assert all(p.withdrawn_at for p in case.claimants)
    assert last_event(case).payload == {"party": first.pk, "capacity": "party"}


def test_the_last_claimant_withdraws_the_dispute_even_when_others_withdrew_first(make, api):
    case = make(3, 1, serve=False)
    for p in case.claimants[1:]:
        r = api(case.actor[p.pk]).post(url(case.dispute, "withdraw"), {}, format="json")
        assert r.json()["state"] == "filed"
    r = api(case.actor[case.claimants[0].pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    assert r.json()["state"] == "withdrawn"


def test_withdrawal_refusals(make, api, grid_worker, advance):
    case = make(3, 1)
    # A respondent (and their agent) cannot withdraw; a rejected agent of a claimant sees nothing.
    r = api(case.actor[case.respondents[0].pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    assert r.status_code == 403
    rejected = represent(case.claimants[0], grid_worker, "agent", status="rejected")
    assert api(rejected).post(url(case.dispute, "withdraw"), {}, format="json").status_code == 404
    # Wrong state: escalated.
    services.fire(case.dispute.pk, "escalate", by=grid_worker, payload={"reason": "紧急"})
    r = api(case.actor[case.claimants[1].pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    assert r.status_code == 409
    assert case.refresh().claimants[1].withdrawn_at is None


def test_answering_is_offered_only_while_a_party_is_left_to_answer_for(make, api):
    case = make(1, 3)
    agent = case.actor[case.respondents[1].pk]
    detail = api(agent).get(f"/api/v1/disputes/{case.dispute.pk}/").json()
    assert {"respondent_accept", "respondent_decline"} <= set(detail["available_transitions"])
    answer(api, case, case.respondents[1])
    detail = api(agent).get(f"/api/v1/disputes/{case.dispute.pk}/").json()
    assert not {"respondent_accept", "respondent_decline"} & set(detail["available_transitions"])
    detail = api(case.actor[case.respondents[2].pk]).get(f"/api/v1/disputes/{case.dispute.pk}/").json()
    assert {"respondent_accept", "respondent_decline"} <= set(detail["available_transitions"])
