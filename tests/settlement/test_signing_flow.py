"""Proposing, signing in turn with SMS codes, declining and re-proposing (docs/state-machine.md, docs/features/settlements.md)."""

import pytest

from accounts.models import PhoneCode
from core.crypto import blind_index
from disputes.models import DisputeEvent
from mediation.models import Settlement
from tests import factories

pytestmark = pytest.mark.django_db


def url(dispute, tail: str) -> str:
    return f"/api/v1/disputes/{dispute.pk}/{tail}"


def sign(api, user, dispute, outbox) -> object:
    """Ask for a code as `user`, read it from the SMS outbox and sign with it."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api(user).post(url(dispute, "settlement/sign-code/"), {}, format="json")
    assert r.status_code == 200, r.json()
    code = outbox.code(user.phone)
    return api(user).post(url(dispute, "transitions/sign/"), {"agree": True, "code": code}, format="json")


@pytest.fixture
def proposed(dispute, advance):
    return advance(dispute, "awaiting_signatures")


def test_both_parties_then_the_mediator_sign_and_the_dispute_is_settled(
    proposed, claimant, respondent, mediator, api, outbox
):
    r = sign(api, respondent, proposed, outbox)
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "awaiting_signatures"
    r = sign(api, claimant, proposed, outbox)
    assert r.json()["state"] == "awaiting_signatures"
    r = sign(api, mediator, proposed, outbox)
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "settled"

    data = api(claimant).get(url(proposed, "settlement/")).json()
    assert data["version"] == 1
    assert data["terms"] == factories.SETTLEMENT["terms"]
    assert [s["role"] for s in data["signatures"]] == ["respondent", "claimant", "mediator", "committee"]
    assert [s["signer"] for s in data["signatures"]][:3] == ["李四", "张三", "钱调解"]
    assert data["awaiting"] == []
    assert data["sealed_at"] is not None

    events = DisputeEvent.objects.filter(dispute=proposed, transition="sign")
    assert [e.payload["signer_role"] for e in events] == ["respondent", "claimant", "mediator"]
    assert [e.to_state for e in events] == ["awaiting_signatures", "awaiting_signatures", "settled"]
    for event in events:
        assert "code" not in event.payload
        assert all(outbox.code(u.phone) not in str(event.payload) for u in (claimant, respondent, mediator))


def test_the_sign_code_sms_goes_only_to_the_signer_whose_turn_it_is(
    proposed, claimant, mediator, grid_worker, outsider, api, outbox, sms_sent
):
    assert api(mediator).post(url(proposed, "settlement/sign-code/"), {}).status_code == 409
    assert api(grid_worker).post(url(proposed, "settlement/sign-code/"), {}).status_code == 403
    assert api(outsider).post(url(proposed, "settlement/sign-code/"), {}).status_code == 404
    assert outbox.sms() == []
    with sms_sent():
        assert api(claimant).post(url(proposed, "settlement/sign-code/"), {}).status_code == 200
    assert [m["to"] for m in outbox.sms()] == [claimant.phone]


def test_signing_twice_is_a_conflict(proposed, claimant, api, outbox):
    assert sign(api, claimant, proposed, outbox).status_code == 200
    factories.sign_code(claimant)
    r = api(claimant).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 409
    assert api(claimant).post(url(proposed, "settlement/sign-code/"), {}).status_code == 409


def test_the_mediator_cannot_sign_before_both_parties(proposed, claimant, mediator, api, outbox):
    factories.sign_code(mediator)
    r = api(mediator).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 409
    assert sign(api, claimant, proposed, outbox).status_code == 200
    r = api(mediator).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 409
    proposed.refresh_from_db()
    assert proposed.state == "awaiting_signatures"


@pytest.mark.parametrize("who", ["grid_worker", "street_handler"])
def test_someone_who_is_not_a_signer_cannot_sign(who, proposed, api, cast):
    factories.sign_code(cast(who))
    r = api(cast(who)).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 403


def test_a_wrong_code_is_refused_and_counts_as_an_attempt(proposed, claimant, api):
    factories.sign_code(claimant)
    r = api(claimant).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "000000"}, format="json"
    )
    assert r.status_code == 400
    assert "code" in r.json()["errors"]
    assert (
        PhoneCode.objects.get(phone_index=blind_index(claimant.phone), purpose="sign", used_at=None).attempts
        == 1
    )
    assert not Settlement.objects.get(dispute=proposed).signatures.exists()


def test_an_expired_code_is_refused(proposed, claimant, api):
    from django.utils import timezone

    factories.sign_code(claimant)
    PhoneCode.objects.filter(phone_index=blind_index(claimant.phone), purpose="sign").update(
        expires_at=timezone.now()
    )
    r = api(claimant).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 400


def test_a_code_works_once(proposed, claimant, respondent, api):
    factories.sign_code(claimant)
    body = {"agree": True, "code": "246810"}
    assert api(claimant).post(url(proposed, "transitions/sign/"), body, format="json").status_code == 200
    # The claimant's used code cannot sign for anyone, and a verification code is not a signing code.
    r = api(respondent).post(url(proposed, "transitions/sign/"), body, format="json")
    assert r.status_code == 400


@pytest.mark.parametrize("agree", [False, "", None])
def test_signing_without_agreeing_is_invalid(agree, proposed, claimant, api):
    factories.sign_code(claimant)
    body = {"code": "246810"} if agree is None else {"agree": agree, "code": "246810"}
    r = api(claimant).post(url(proposed, "transitions/sign/"), body, format="json")
    assert r.status_code == 400
    assert "agree" in r.json()["errors"]


def test_a_decline_ends_the_version_and_signatures_do_not_carry_over(
    proposed, claimant, respondent, mediator, api, outbox
):
    assert sign(api, claimant, proposed, outbox).status_code == 200
    r = api(respondent).post(
        url(proposed, "transitions/decline_settlement/"), {"reason": "金额太低"}, format="json"
    )
    assert r.json()["state"] == "in_mediation"
    old = Settlement.objects.get(dispute=proposed, version=1)
    assert (old.end_reason, old.end_note) == ("declined", "金额太低")

    terms = {**factories.SETTLEMENT, "amount": "1500.00"}
    r = api(mediator).post(url(proposed, "transitions/propose_settlement/"), terms, format="json")
    assert r.json()["state"] == "awaiting_signatures"
    data = api(claimant).get(url(proposed, "settlement/")).json()
    assert (data["version"], data["amount"], data["signatures"]) == (2, "1500.00", [])
    assert data["verification_code"] != old.verification_code
    # The claimant's signature on version 1 does not count: they must sign version 2.
    r = sign(api, claimant, proposed, outbox)
    assert r.status_code == 200
    assert Settlement.objects.get(dispute=proposed, version=2).signatures.get().role == "claimant"
    assert old.signatures.count() == 1


@pytest.mark.parametrize(
    "terms",
    [[], [""], ["   "], "", None, [1, {"a": 1}], ["x" * 2001]],
)
def test_a_proposal_needs_terms(terms, dispute, advance, mediator, api):
    dispute = advance(dispute, "in_mediation")
    body = {"terms": terms} if terms is not None else {}
    r = api(mediator).post(url(dispute, "transitions/propose_settlement/"), body, format="json")
    assert r.status_code == 400
    assert any(k.split(".")[0] == "terms" for k in r.json()["errors"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("performance_deadline", "31/12/2026"), ("amount", "-1"), ("amount", "abc")],
)
def test_a_proposal_with_a_bad_amount_or_date_is_invalid(field, value, dispute, advance, mediator, api):
    dispute = advance(dispute, "in_mediation")
    body = {**factories.SETTLEMENT, field: value}
    r = api(mediator).post(url(dispute, "transitions/propose_settlement/"), body, format="json")
    assert r.status_code == 400
    assert field in r.json()["errors"]


def test_only_the_terms_are_required(dispute, advance, mediator, api):
    dispute = advance(dispute, "in_mediation")
    r = api(mediator).post(
        url(dispute, "transitions/propose_settlement/"), {"terms": ["道歉"]}, format="json"
    )
    assert r.status_code == 200
    s = Settlement.objects.get(dispute=dispute)
    assert (s.terms, s.amount, s.performance_deadline) == (["道歉"], None, None)


def test_fulfilment_closes_and_a_breach_escalates_one_level(dispute, advance, grid_worker, claimant, api):
    dispute = advance(dispute, "settled")
    r = api(claimant).post(url(dispute, "transitions/report_breach/"), {"reason": "未付款"}, format="json")
    assert r.json()["state"] == "escalated"
    dispute.refresh_from_db()
    assert (dispute.level, dispute.mediator) == (1, None)


def test_recording_fulfilment_sets_the_outcome(dispute, advance, grid_worker, api):
    dispute = advance(dispute, "settled")
    r = api(grid_worker).post(
        url(dispute, "transitions/record_fulfilment/"), {"note": "已付清"}, format="json"
    )
    assert r.json()["state"] == "closed"
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.outcome_note) == ("fulfilled", "已付清")
    assert dispute.closed_at is not None
    # The mediator's assignment ends with the case, so it no longer reads as open.
    assert list(dispute.assignments.values_list("end_reason", flat=True)) == ["finished"]


def test_the_settlement_is_visible_to_those_who_see_the_dispute_only(proposed, grid_worker, outsider, api):
    assert api(grid_worker).get(url(proposed, "settlement/")).status_code == 200
    assert api(outsider).get(url(proposed, "settlement/")).status_code == 404
    assert api().get(url(proposed, "settlement/")).status_code == 401


def test_the_follow_up_visit_is_due_a_week_after_the_performance_deadline(dispute, advance):
    from django.utils import timezone

    dispute = advance(dispute, "settled")
    assert timezone.localtime(dispute.due_at).date().isoformat() == "2027-01-07"


def test_signing_an_old_version_after_a_decline_and_a_new_proposal_is_a_conflict(
    proposed, claimant, respondent, mediator, api
):
    api(respondent).post(
        url(proposed, "transitions/decline_settlement/"), {"reason": "不同意"}, format="json"
    )
    api(mediator).post(url(proposed, "transitions/propose_settlement/"), {"terms": ["新条款"]}, format="json")
    factories.sign_code(claimant)
    body = {"agree": True, "code": "246810", "version": 1}
    r = api(claimant).post(url(proposed, "transitions/sign/"), body, format="json")
    assert r.status_code == 409
    assert not Settlement.objects.filter(dispute=proposed, signatures__isnull=False).exists()
    # The code was not spent on the refused attempt: signing the current version works.
    r = api(claimant).post(url(proposed, "transitions/sign/"), {**body, "version": 2}, format="json")
    assert r.status_code == 200, r.json()
    assert Settlement.objects.get(dispute=proposed, version=2).signatures.get().role == "claimant"


def test_a_declined_version_cannot_be_signed_at_all(proposed, claimant, respondent, api):
    api(respondent).post(
        url(proposed, "transitions/decline_settlement/"), {"reason": "不同意"}, format="json"
    )
    factories.sign_code(claimant)
    r = api(claimant).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 409


def test_sign_is_offered_to_the_mediator_only_once_both_parties_have_signed(
    proposed, claimant, respondent, mediator, api, outbox
):
    def offered(user):
        return api(user).get(f"/api/v1/disputes/{proposed.pk}/").json()["available_transitions"]

    assert "sign" not in offered(mediator)
    sign(api, claimant, proposed, outbox)
    assert "sign" not in offered(claimant)  # signed already
    assert "sign" in offered(respondent)
    sign(api, respondent, proposed, outbox)
    assert "sign" in offered(mediator)
