"""The state machine through the API, as a matrix (docs/state-machine.md, docs/api.md).

Every implemented transition is fired by a role allowed to fire it (200, new state, one event),
by a role that is not (403, or 404 when the dispute is invisible to them; nothing changes) and
in a state it does not start from (409; nothing changes, no event).
"""

import pytest

from disputes import services
from disputes.models import TRANSITIONS, Dispute, DisputeEvent
from tests import factories

pytestmark = pytest.mark.django_db

OPEN_BEFORE_ESCALATION = [
    "filed",
    "awaiting_response",
    "awaiting_mediator",
    "mediator_assigned",
    "in_mediation",
]

SIGN = {"agree": True, "code": "246810"}  # factories.sign_code's code, issued before each sign

# (transition, from state, who fires it, payload, to state, role recorded on the timeline).
# A payload value naming a cast member ("@mediator") is replaced by that user's id.
ALLOWED = [
    ("accept", "filed", "grid_worker", {"note": "材料齐全"}, "awaiting_response", "grid_worker"),
    (
        "reject", "filed", "grid_worker",
        {"reason": "不属于人民调解范围", "referral_advice": "请向劳动仲裁委员会申请"}, "rejected", "grid_worker",
    ),
    ("respondent_accept", "awaiting_response", "respondent", {}, "awaiting_mediator", "respondent"),
    ("respondent_decline", "awaiting_response", "respondent", {"reason": "不同意调解"}, "escalated", "respondent"),
    (
        "assign_mediator", "awaiting_mediator", "grid_worker", {"mediator": "@mediator"},
        "mediator_assigned", "grid_worker",
    ),
    (
        "assign_mediator", "mediator_assigned", "grid_worker", {"mediator": "@other_mediator"},
        "mediator_assigned", "grid_worker",
    ),
    ("mediator_accept", "mediator_assigned", "mediator", {}, "in_mediation", "mediator"),
    ("mediator_decline", "mediator_assigned", "mediator", {"reason": "时间冲突"}, "awaiting_mediator", "mediator"),
    (
        "replace_mediator", "mediator_assigned", "grid_worker", {"reason": "当事人申请回避"},
        "awaiting_mediator", "grid_worker",
    ),
    (
        "replace_mediator", "in_mediation", "grid_worker", {"reason": "当事人申请回避"},
        "awaiting_mediator", "grid_worker",
    ),
    ("fail_mediation", "in_mediation", "mediator", {"reason": "双方分歧较大"}, "escalated", "mediator"),
    *[
        ("escalate", state, "grid_worker", {"reason": "矛盾激化"}, "escalated", "grid_worker")
        for state in OPEN_BEFORE_ESCALATION
    ],
    ("take_case", "escalated", "street_handler", {}, "case_handling", "case_handler"),
    ("take_case", "escalated", "district_handler", {}, "case_handling", "case_handler"),
    ("return_to_mediation", "case_handling", "street_handler", {"reason": "可再行调解"}, "awaiting_mediator", "case_handler"),
    (
        # A referral adds a referral_sent event (tests/cases/test_referral.py); here one event each.
        "conclude", "case_handling", "street_handler", {"outcome": "adjudicated", "note": "已作出处理意见"},
        "closed", "case_handler",
    ),
    *[
        ("withdraw", state, "claimant", {"reason": "已私下和解"}, "withdrawn", "claimant")
        for state in [*OPEN_BEFORE_ESCALATION, "awaiting_signatures"]
    ],
    (
        "propose_settlement", "in_mediation", "mediator", factories.SETTLEMENT,
        "awaiting_signatures", "mediator",
    ),
    ("sign", "awaiting_signatures", "claimant", SIGN, "awaiting_signatures", "claimant"),
    ("decline_settlement", "awaiting_signatures", "respondent", {"reason": "金额太低"}, "in_mediation", "respondent"),
    ("record_fulfilment", "settled", "grid_worker", {"note": "回访确认已履行"}, "closed", "grid_worker"),
    ("report_breach", "settled", "claimant", {"reason": "未按期付款"}, "escalated", "claimant"),
    ("report_breach", "settled", "grid_worker", {"reason": "回访发现未履行"}, "escalated", "grid_worker"),
]  # fmt: skip

# (transition, state, someone who may never fire it here, expected status)
DISALLOWED = [
    ("accept", "filed", "claimant", 403),
    ("accept", "filed", "street_handler", 403),
    ("accept", "filed", "other_grid_worker", 404),
    ("accept", "filed", "respondent", 404),  # not served yet, so the dispute is invisible to them
    ("reject", "filed", "claimant", 403),
    ("reject", "filed", "outsider", 404),
    ("respondent_accept", "awaiting_response", "claimant", 403),
    ("respondent_accept", "awaiting_response", "grid_worker", 403),
    ("respondent_decline", "awaiting_response", "grid_worker", 403),
    ("assign_mediator", "awaiting_mediator", "respondent", 403),
    ("assign_mediator", "awaiting_mediator", "mediator", 404),
    ("mediator_accept", "mediator_assigned", "grid_worker", 403),
    ("mediator_accept", "mediator_assigned", "other_mediator", 404),
    ("mediator_decline", "mediator_assigned", "claimant", 403),
    ("replace_mediator", "in_mediation", "mediator", 403),
    ("replace_mediator", "in_mediation", "respondent", 403),
    ("fail_mediation", "in_mediation", "claimant", 403),
    ("fail_mediation", "in_mediation", "grid_worker", 403),
    ("escalate", "awaiting_response", "respondent", 403),
    ("escalate", "in_mediation", "mediator", 403),
    ("take_case", "escalated", "grid_worker", 403),
    ("take_case", "escalated", "claimant", 403),
    ("return_to_mediation", "case_handling", "district_handler", 403),  # not the handler who took it
    ("return_to_mediation", "case_handling", "grid_worker", 403),
    ("conclude", "case_handling", "claimant", 403),
    ("conclude", "case_handling", "district_handler", 403),
    ("withdraw", "filed", "grid_worker", 403),
    ("withdraw", "awaiting_response", "respondent", 403),
    ("withdraw", "filed", "outsider", 404),
    ("propose_settlement", "in_mediation", "claimant", 403),
    ("propose_settlement", "in_mediation", "grid_worker", 403),
    ("sign", "awaiting_signatures", "grid_worker", 403),
    ("sign", "awaiting_signatures", "outsider", 404),
    ("decline_settlement", "awaiting_signatures", "mediator", 403),
    ("decline_settlement", "awaiting_signatures", "grid_worker", 403),
    ("record_fulfilment", "settled", "claimant", 403),
    ("record_fulfilment", "settled", "mediator", 403),
    ("report_breach", "settled", "mediator", 403),
    ("report_breach", "settled", "street_handler", 403),
]

# (transition, state it cannot start from, someone who may fire it in its own states, payload)
WRONG_STATE = [
    ("accept", "awaiting_response", "grid_worker", {}),
    ("accept", "rejected", "grid_worker", {}),
    ("reject", "awaiting_response", "grid_worker", {"reason": "不予受理"}),
    ("respondent_accept", "awaiting_mediator", "respondent", {}),
    ("respondent_decline", "in_mediation", "respondent", {"reason": "不同意"}),
    ("assign_mediator", "in_mediation", "grid_worker", {"mediator": "@other_mediator"}),
    ("assign_mediator", "filed", "grid_worker", {"mediator": "@mediator"}),
    ("mediator_accept", "in_mediation", "mediator", {}),
    ("mediator_decline", "in_mediation", "mediator", {"reason": "时间冲突"}),
    ("replace_mediator", "awaiting_mediator", "grid_worker", {"reason": "回避"}),
    ("fail_mediation", "mediator_assigned", "mediator", {"reason": "分歧较大"}),
    ("escalate", "escalated", "grid_worker", {"reason": "再次上报"}),
    ("escalate", "case_handling", "grid_worker", {"reason": "再次上报"}),
    ("take_case", "case_handling", "district_handler", {}),
    ("return_to_mediation", "closed", "street_handler", {"reason": "重新调解"}),
    ("conclude", "closed", "street_handler", {"outcome": "dismissed"}),
    ("withdraw", "rejected", "claimant", {}),
    ("withdraw", "escalated", "claimant", {}),
    ("withdraw", "withdrawn", "claimant", {}),
    ("withdraw", "settled", "claimant", {}),
    ("propose_settlement", "awaiting_signatures", "mediator", factories.SETTLEMENT),
    ("propose_settlement", "mediator_assigned", "mediator", factories.SETTLEMENT),
    ("sign", "in_mediation", "claimant", SIGN),
    ("sign", "settled", "claimant", SIGN),
    ("decline_settlement", "in_mediation", "claimant", {"reason": "不同意"}),
    ("record_fulfilment", "awaiting_signatures", "grid_worker", {"note": "已履行"}),
    ("report_breach", "in_mediation", "claimant", {"reason": "未履行"}),
]


def resolve(payload: dict, cast) -> dict:
    return {k: cast(v[1:]).pk if isinstance(v, str) and v.startswith("@") else v for k, v in payload.items()}


def fire_url(dispute: Dispute, name: str) -> str:
    return f"/api/v1/disputes/{dispute.pk}/transitions/{name}/"


def test_the_matrix_covers_every_implemented_transition():
    assert {row[0] for row in ALLOWED} == TRANSITIONS
    assert {row[0] for row in DISALLOWED} == TRANSITIONS
    assert {row[0] for row in WRONG_STATE} == TRANSITIONS


def test_every_source_state_of_every_transition_is_tried():
    field = Dispute._meta.get_field("state")
    declared = {(t.name, t.source) for t in field.get_all_transitions(Dispute)}
    assert declared == {(row[0], row[1]) for row in ALLOWED}


@pytest.mark.parametrize(("name", "source", "who", "payload", "target", "role"), ALLOWED)
def test_an_allowed_role_fires_the_transition_and_it_is_recorded(
    name, source, who, payload, target, role, dispute, advance, api, cast
):
    dispute = advance(dispute, source)
    user = cast(who)
    if name == "sign":
        factories.sign_code(user)
    before = set(dispute.events.values_list("pk", flat=True))
    r = api(user).post(fire_url(dispute, name), resolve(payload, cast), format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == target
    dispute.refresh_from_db()
    assert dispute.state == target
    new = list(dispute.events.exclude(pk__in=before))
    assert len(new) == 1
    event = new[0]
    assert (event.transition, event.from_state, event.to_state) == (name, source, target)
    assert event.actor == user
    assert event.actor_role == role
    assert event.reason == (payload.get("reason") or payload.get("note") or "")


@pytest.mark.parametrize(("name", "state", "who", "status"), DISALLOWED)
def test_a_role_that_may_not_fire_the_transition_is_refused_and_nothing_changes(
    name, state, who, status, dispute, advance, api, cast, snapshot
):
    dispute = advance(dispute, state)
    payload = next(resolve(row[3], cast) for row in ALLOWED if row[0] == name)
    before = snapshot(dispute)
    r = api(cast(who)).post(fire_url(dispute, name), payload, format="json")
    assert r.status_code == status, r.json()
    assert r.json()["code"] == {403: "permission_denied", 404: "not_found"}[status]
    assert set(r.json()) == {"detail", "code"}
    assert snapshot(dispute) == before


@pytest.mark.parametrize(("name", "state", "who", "payload"), WRONG_STATE)
def test_a_transition_from_the_wrong_state_is_a_conflict_and_nothing_changes(
    name, state, who, payload, dispute, advance, api, cast, snapshot
):
    dispute = advance(dispute, state)
    if name == "sign":
        factories.sign_code(cast(who))
    before = snapshot(dispute)
    r = api(cast(who)).post(fire_url(dispute, name), resolve(payload, cast), format="json")
    assert r.status_code == 409, r.json()
    assert r.json()["code"] == "conflict"
    assert snapshot(dispute) == before


# --- what each transition does besides changing state --------------------------------------------
def test_accepting_serves_the_respondent_and_sets_the_next_deadline(dispute, grid_worker, api):
    assert dispute.served_at is None
    r = api(grid_worker).post(fire_url(dispute, "accept"), {}, format="json")
    assert r.status_code == 200
    dispute.refresh_from_db()
    assert dispute.served_at is not None
    assert dispute.due_at > dispute.served_at
    assert r.json()["served_at"] is not None


def test_rejecting_without_a_reason_is_invalid_input_and_changes_nothing(dispute, grid_worker, api, snapshot):
    before = snapshot(dispute)
    r = api(grid_worker).post(fire_url(dispute, "reject"), {"reason": "   "}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "reason" in r.json()["errors"]
    assert snapshot(dispute) == before


def test_assigning_a_mediator_records_who_was_assigned(dispute, advance, grid_worker, mediator, api):
    dispute = advance(dispute, "awaiting_mediator")
    r = api(grid_worker).post(fire_url(dispute, "assign_mediator"), {"mediator": mediator.pk}, format="json")
    assert r.json()["mediator"] == {"id": mediator.pk, "name": "钱调解"}
    assert dispute.events.last().payload == {"mediator": mediator.pk}


@pytest.mark.parametrize("who", ["claimant", "outsider", "other_grid_worker"])
def test_assigning_someone_who_is_not_a_mediator_of_the_area_is_invalid(
    who, dispute, advance, grid_worker, api, cast, snapshot
):
    dispute = advance(dispute, "awaiting_mediator")
    before = snapshot(dispute)
    r = api(grid_worker).post(fire_url(dispute, "assign_mediator"), {"mediator": cast(who).pk}, format="json")
    assert r.status_code == 400
    assert "mediator" in r.json()["errors"]
    assert snapshot(dispute) == before


def test_a_mediator_from_another_area_cannot_be_assigned(dispute, advance, grid_worker, regions, api):
    far = factories.staff("mediator", regions["community2"])
    dispute = advance(dispute, "awaiting_mediator")
    r = api(grid_worker).post(fire_url(dispute, "assign_mediator"), {"mediator": far.pk}, format="json")
    assert r.status_code == 400
    dispute.refresh_from_db()
    assert dispute.mediator is None


def test_each_escalation_raises_the_level_one_step(dispute, advance, street_handler, district_handler, api):
    dispute = advance(dispute, "escalated")
    assert dispute.level == 1  # street
    api(street_handler).post(fire_url(dispute, "take_case"), {}, format="json")
    api(street_handler).post(fire_url(dispute, "return_to_mediation"), {"reason": "再调"}, format="json")
    dispute.refresh_from_db()
    assert (dispute.state, dispute.level, dispute.case_handler) == ("awaiting_mediator", 1, None)


def test_a_street_handler_cannot_take_a_dispute_raised_to_district_level(
    dispute, advance, grid_worker, street_handler, district_handler, api, snapshot
):
    dispute = advance(dispute, "case_handling")
    api(street_handler).post(fire_url(dispute, "return_to_mediation"), {"reason": "再调"}, format="json")
    api(grid_worker).post(fire_url(dispute, "escalate"), {"reason": "仍未解决"}, format="json")
    dispute.refresh_from_db()
    assert (dispute.state, dispute.level) == ("escalated", 0)
    before = snapshot(dispute)
    r = api(street_handler).post(fire_url(dispute, "take_case"), {}, format="json")
    assert r.status_code == 403
    assert snapshot(dispute) == before
    r = api(district_handler).post(fire_url(dispute, "take_case"), {}, format="json")
    assert r.status_code == 200
    assert r.json()["case_handler"]["id"] == district_handler.pk


def test_concluding_records_the_outcome(dispute, advance, street_handler, api):
    dispute = advance(dispute, "case_handling")
    r = api(street_handler).post(
        fire_url(dispute, "conclude"),
        {"outcome": "referred_arbitration", "referred_to": "杭州仲裁委员会", "note": "转仲裁"},
        format="json",
    )
    assert r.status_code == 200
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.outcome_note) == ("referred_arbitration", "转仲裁")
    assert dispute.closed_at is not None and dispute.due_at is None


@pytest.mark.parametrize("outcome", ["fulfilled", "won", ""])
def test_concluding_with_an_outcome_a_handler_cannot_choose_is_invalid(
    outcome, dispute, advance, street_handler, api, snapshot
):
    dispute = advance(dispute, "case_handling")
    before = snapshot(dispute)
    r = api(street_handler).post(fire_url(dispute, "conclude"), {"outcome": outcome}, format="json")
    assert r.status_code == 400 and "outcome" in r.json()["errors"]
    assert snapshot(dispute) == before


def test_a_withdrawn_dispute_loses_its_mediator(dispute, advance, claimant, mediator, api):
    dispute = advance(dispute, "in_mediation")
    api(claimant).post(fire_url(dispute, "withdraw"), {}, format="json")
    dispute.refresh_from_db()
    assert dispute.mediator is None
    assert api(mediator).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404


# --- names, and who is shown which actions -----------------------------------------------------------
@pytest.mark.parametrize("name", ["settle_now", "delete", "save", "refresh_from_db", "propose_settlement_x"])
def test_an_unknown_transition_name_is_not_found_and_changes_nothing(
    name, dispute, grid_worker, api, snapshot
):
    before = snapshot(dispute)
    r = api(grid_worker).post(fire_url(dispute, name), {}, format="json")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert snapshot(dispute) == before


def test_a_transition_on_a_dispute_that_does_not_exist_looks_like_an_invisible_one(dispute, outsider, api):
    missing = api(outsider).post(
        f"/api/v1/disputes/{dispute.pk + 1000}/transitions/accept/", {}, format="json"
    )
    invisible = api(outsider).post(fire_url(dispute, "accept"), {}, format="json")
    assert missing.status_code == invisible.status_code == 404
    assert missing.json() == invisible.json()


def test_firing_needs_credentials(dispute, api, snapshot):
    before = snapshot(dispute)
    r = api().post(fire_url(dispute, "accept"), {}, format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"
    assert snapshot(dispute) == before


@pytest.mark.parametrize(
    ("state", "who", "expected"),
    [
        ("filed", "grid_worker", ["accept", "escalate", "reject"]),
        ("filed", "claimant", ["withdraw"]),
        ("filed", "street_handler", []),
        ("awaiting_response", "respondent", ["respondent_accept", "respondent_decline"]),
        ("awaiting_response", "claimant", ["withdraw"]),
        ("awaiting_mediator", "grid_worker", ["assign_mediator", "escalate"]),
        ("mediator_assigned", "mediator", ["mediator_accept", "mediator_decline"]),
        ("mediator_assigned", "grid_worker", ["assign_mediator", "escalate", "replace_mediator"]),
        ("in_mediation", "mediator", ["fail_mediation", "propose_settlement"]),
        ("awaiting_signatures", "claimant", ["decline_settlement", "sign", "withdraw"]),
        ("awaiting_signatures", "respondent", ["decline_settlement", "sign"]),
        ("awaiting_signatures", "grid_worker", []),
        ("awaiting_signatures", "mediator", []),  # signs after both parties
        ("settled", "grid_worker", ["record_fulfilment", "report_breach"]),
        ("settled", "respondent", ["report_breach"]),
        ("escalated", "street_handler", ["take_case"]),
        ("escalated", "district_handler", ["take_case"]),
        ("escalated", "claimant", []),
        ("case_handling", "street_handler", ["conclude", "return_to_mediation"]),
        ("case_handling", "district_handler", []),
        ("closed", "street_handler", []),
    ],
)
def test_the_detail_lists_the_transitions_the_caller_may_fire_now(
    state, who, expected, dispute, advance, api, cast
):
    dispute = advance(dispute, state)
    r = api(cast(who)).get(f"/api/v1/disputes/{dispute.pk}/")
    assert r.status_code == 200
    assert r.json()["available_transitions"] == expected


def test_the_sla_engine_fires_as_the_system(dispute, advance, claimant, api):
    dispute = advance(dispute, "awaiting_response")
    services.fire(dispute.pk, "respondent_decline", by=None, payload={"reason": "逾期未答复"})
    event = DisputeEvent.objects.filter(dispute=dispute).last()
    assert (event.actor, event.actor_role, event.to_state) == (None, "system", "escalated")
    timeline = api(claimant).get(f"/api/v1/disputes/{dispute.pk}/events/").json()
    assert timeline[-1]["actor"] is None
    assert timeline[-1]["reason"] == "逾期未答复"


def test_a_mediator_who_is_a_party_cannot_mediate_their_own_dispute(
    regions, mediator, grid_worker, respondent, api
):
    own = factories.file_dispute(mediator, regions["grid1"], respondent.phone, title="调解员自己的纠纷")
    services.fire(own.pk, "accept", by=grid_worker)
    services.fire(own.pk, "respondent_accept", by=respondent)
    r = api(grid_worker).post(fire_url(own, "assign_mediator"), {"mediator": mediator.pk}, format="json")
    assert r.status_code == 400
    assert "mediator" in r.json()["errors"]
    own.refresh_from_db()
    assert (own.state, own.mediator) == ("awaiting_mediator", None)
