"""Intake by the grid worker: parties, agents and guardians, authorisation checks
(docs/api.md, "Parties")."""

import pytest

from disputes.models import DisputeEvent, DisputeParty, Representative
from disputes.parties import services as party_services
from tests import factories, samples

pytestmark = pytest.mark.django_db

USCC = "91440300708461136T"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def parties_url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/parties/"


def reps_url(dispute, party) -> str:
    return f"/api/v1/disputes/{dispute.pk}/parties/{party.pk}/representatives/"


def check_url(dispute, rep) -> str:
    return f"/api/v1/disputes/{dispute.pk}/representatives/{rep.pk}/check/"


def agent_form(phone=None, content=None, **extra):
    return {
        "kind": "agent", "relation": "lawyer", "name": "律师孙", "phone": phone or factories.next_phone(),
        "may_sign": "false", "file": samples.upload("委托书.pdf", content or samples.pdf("Power of attorney")),
        **extra,
    }  # fmt: skip


def lead(dispute, side="respondent") -> DisputeParty:
    return dispute.parties.get(side=side, position=0)


def test_the_grid_worker_adds_an_organisation_respondent(dispute, grid_worker, api):
    body = {"side": "respondent", "name": "宝石物业有限公司", "phone": factories.next_phone(),
            "kind": "organisation", "uscc": USCC, "contact_name": "李经理"}  # fmt: skip
    r = api(grid_worker).post(parties_url(dispute), body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert (data["side"], data["position"], data["kind"], data["uscc"]) == (
        "respondent",
        1,
        "organisation",
        USCC,
    )
    assert data["org_type"] == "company" and "****" in data["phone"]
    assert DisputeEvent.objects.filter(dispute=dispute, transition="add_party").count() == 1
    listed = api(grid_worker).get(parties_url(dispute)).json()
    assert [p["name"] for p in listed] == ["张三", "李四", "宝石物业有限公司"]
    detail = api(grid_worker).get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert [p["id"] for p in detail["parties"]] == [p["id"] for p in listed]


def test_an_invalid_uscc_or_duplicate_phone_is_400(dispute, grid_worker, respondent, api):
    body = {"side": "respondent", "name": "某公司", "phone": factories.next_phone(), "kind": "organisation",
            "uscc": "91440300708461136X"}  # fmt: skip
    r = api(grid_worker).post(parties_url(dispute), body, format="json")
    assert r.status_code == 400 and "uscc" in r.json()["errors"]
    body = {"side": "claimant", "name": "李四", "phone": respondent.phone}
    r = api(grid_worker).post(parties_url(dispute), body, format="json")
    assert r.status_code == 400 and r.json()["errors"].get("phone")
    r = api(grid_worker).post(parties_url(dispute), ["x"], format="json")
    assert r.status_code == 400
    assert dispute.parties.count() == 2


@pytest.mark.parametrize("who", ["claimant", "other_grid_worker", "street_handler"])
def test_others_may_not_add_parties(dispute, api, request, who):
    user = request.getfixturevalue(who)
    body = {"side": "respondent", "name": "王五", "phone": factories.next_phone()}
    r = api(user).post(parties_url(dispute), body, format="json")
    # Another grid's worker does not see the dispute at all (404); the claimant sees it (403).
    assert r.status_code == (404 if who == "other_grid_worker" else 403)
    assert dispute.parties.count() == 2


def test_a_resident_of_another_dispute_gets_404(dispute, outsider, api):
    r = api(outsider).post(parties_url(dispute), {"side": "respondent", "name": "x", "phone": "13900000000"})
    assert r.status_code == 404
    assert api(outsider).get(parties_url(dispute)).status_code == 404


@pytest.mark.parametrize("state", ["awaiting_signatures", "closed", "withdrawn"])
def test_parties_are_fixed_once_a_settlement_is_proposed_or_the_dispute_ended(
    dispute, grid_worker, advance, api, state
):
    advance(dispute, state)
    body = {"side": "respondent", "name": "王五", "phone": factories.next_phone()}
    r = api(grid_worker).post(parties_url(dispute), body, format="json")
    assert r.status_code == 409
    r = api(grid_worker).post(reps_url(dispute, lead(dispute)), agent_form(), format="multipart")
    assert r.status_code == 409


def test_an_agent_with_a_pdf_power_of_attorney_approved_then_acts(
    dispute, grid_worker, respondent, advance, api
):
    advance(dispute, "awaiting_response")
    agent = factories.UserFactory(full_name="律师孙")
    r = api(grid_worker).post(
        reps_url(dispute, lead(dispute)), agent_form(phone=agent.phone), format="multipart"
    )
    assert r.status_code == 201, r.json()
    rep = Representative.objects.get(pk=r.json()["id"])
    assert (rep.status, rep.may_sign, rep.may_chat) == ("pending", False, True)
    assert r.json()["phone"].count("*") == 4
    # Pending: the agent does not see the dispute yet.
    assert api(agent).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    r = api(grid_worker).post(
        check_url(dispute, rep), {"approve": True, "note": "委托书核验无误"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    seen = api(agent).get(f"/api/v1/disputes/{dispute.pk}/")
    assert seen.status_code == 200
    [mine] = [r for p in seen.json()["parties"] for r in p["representatives"]]
    assert mine["phone"] == agent.phone  # their own phone in full
    # Checked once only.
    r = api(grid_worker).post(check_url(dispute, rep), {"approve": False}, format="json")
    assert r.status_code == 409
    # The file downloads for those who see the dispute, as evidence.
    download = api(agent).get(f"/api/v1/disputes/{dispute.pk}/representatives/{rep.pk}/authorisation/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"]


def test_a_rejected_guardian_never_acts(dispute, grid_worker, claimant, api):
    guardian = factories.UserFactory()
    form = agent_form(phone=guardian.phone, kind="guardian", relation="child")
    r = api(grid_worker).post(reps_url(dispute, lead(dispute, "claimant")), form, format="multipart")
    assert r.status_code == 201, r.json()
    rep_id = r.json()["id"]
    r = api(grid_worker).post(f"/api/v1/disputes/{dispute.pk}/representatives/{rep_id}/check/",
                              {"approve": False, "note": "证明不清晰"}, format="json")  # fmt: skip
    assert r.json()["status"] == "rejected"
    assert api(guardian).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    assert DisputeEvent.objects.filter(dispute=dispute, transition="reject_representative").exists()


def test_a_party_adds_its_own_agent_but_may_not_approve_it(dispute, claimant, api):
    r = api(claimant).post(reps_url(dispute, lead(dispute, "claimant")), agent_form(), format="multipart")
    assert r.status_code == 201, r.json()
    r = api(claimant).post(check_url(dispute, Representative.objects.get()), {"approve": True}, format="json")
    assert r.status_code == 403


def test_a_party_may_not_add_an_agent_for_the_other_side(dispute, claimant, respondent, advance, api):
    advance(dispute, "awaiting_response")
    r = api(claimant).post(reps_url(dispute, lead(dispute)), agent_form(), format="multipart")
    assert r.status_code == 403
    assert not Representative.objects.exists()


def test_another_grids_worker_cannot_check(dispute, grid_worker, other_grid_worker, api):
    rep = party_services.add_representative(
        lead(dispute), by=grid_worker, kind="agent", relation="lawyer", name="律师",
        phone=factories.next_phone(), authorisation=samples.pdf(), filename="a.pdf",
    )  # fmt: skip
    r = api(other_grid_worker).post(check_url(dispute, rep), {"approve": True}, format="json")
    assert r.status_code == 404
    rep.refresh_from_db()
    assert rep.status == "pending"


def test_a_file_of_another_kind_is_415_and_an_oversized_one_413(dispute, grid_worker, settings, api, media):
    r = api(grid_worker).post(
        reps_url(dispute, lead(dispute)), agent_form(content=b"MZ\x90\x00 not a pdf" * 10), format="multipart"
    )
    assert r.status_code == 415
    settings.EVIDENCE_MAX_BYTES = 1024
    big = samples.pdf() + b"\x00" * 4096
    r = api(grid_worker).post(reps_url(dispute, lead(dispute)), agent_form(content=big), format="multipart")
    assert r.status_code == 413
    r = api(grid_worker).post(reps_url(dispute, lead(dispute)), {"kind": "nope"}, format="multipart")
    assert r.status_code == 400
    assert not Representative.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()] if media.exists() else True


def test_a_representative_of_another_dispute_is_404(dispute, regions, claimant, grid_worker, api):
    other = factories.file_dispute(claimant, regions["grid1"], factories.next_phone())
    rep = party_services.add_representative(
        lead(other), by=grid_worker, kind="agent", relation="lawyer", name="律师",
        phone=factories.next_phone(), authorisation=samples.pdf(), filename="a.pdf",
    )  # fmt: skip
    r = api(grid_worker).post(check_url(dispute, rep), {"approve": True}, format="json")
    assert r.status_code == 404
    r = api(grid_worker).get(f"/api/v1/disputes/{dispute.pk}/representatives/{rep.pk}/authorisation/")
    assert r.status_code == 404


def revoke_url(dispute, rep) -> str:
    return f"/api/v1/disputes/{dispute.pk}/representatives/{rep.pk}/revoke/"


def approved_agent(dispute, grid_worker, side="claimant"):
    agent = factories.UserFactory(full_name="律师周")
    rep = party_services.add_representative(
        lead(dispute, side), by=grid_worker, kind="agent", relation="lawyer", name="律师周",
        phone=agent.phone, authorisation=samples.pdf(), filename="a.pdf",
    )  # fmt: skip
    party_services.check_representative(rep, by=grid_worker, approve=True)
    return agent, rep


@pytest.mark.parametrize("who", ["claimant", "grid_worker"])
def test_the_party_or_the_grid_worker_revokes_an_authorisation_and_the_agent_loses_the_dispute(
    dispute, grid_worker, claimant, api, who
):
    agent, rep = approved_agent(dispute, grid_worker)
    assert api(agent).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 200
    by = {"claimant": claimant, "grid_worker": grid_worker}[who]
    r = api(by).post(revoke_url(dispute, rep), {"note": "不再委托"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert api(agent).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    event = DisputeEvent.objects.get(dispute=dispute, transition="revoke_representative")
    assert (event.actor, event.reason, event.payload["representative"]) == (by, "不再委托", rep.pk)
    # Once revoked, never again.
    assert api(by).post(revoke_url(dispute, rep), {}, format="json").status_code == 409


def test_the_other_party_and_the_agent_itself_may_not_revoke(dispute, grid_worker, respondent, advance, api):
    advance(dispute, "awaiting_response")
    agent, rep = approved_agent(dispute, grid_worker)
    assert api(respondent).post(revoke_url(dispute, rep), {}, format="json").status_code == 403
    assert api(agent).post(revoke_url(dispute, rep), {}, format="json").status_code == 403
    rep.refresh_from_db()
    assert rep.status == "approved"


def test_no_revoking_once_the_dispute_ended(dispute, grid_worker, claimant, api):
    agent, rep = approved_agent(dispute, grid_worker)
    r = api(grid_worker).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/reject/", {"reason": "不属于调解范围"}, format="json"
    )
    assert r.status_code == 200
    assert api(claimant).post(revoke_url(dispute, rep), {}, format="json").status_code == 409
    rep.refresh_from_db()
    assert rep.status == "approved"


def test_the_dispute_page_offers_the_revocation_to_the_party(dispute, grid_worker, claimant, client):
    agent, rep = approved_agent(dispute, grid_worker)
    client.force_login(claimant)
    page = client.get(dispute.get_absolute_url()).content.decode()
    assert f"/disputes/{dispute.pk}/representatives/{rep.pk}/revoke/" in page
    r = client.post(f"/disputes/{dispute.pk}/representatives/{rep.pk}/revoke/")
    assert r.status_code == 302
    rep.refresh_from_db()
    assert rep.status == "revoked"
    assert f"/representatives/{rep.pk}/revoke/" not in client.get(dispute.get_absolute_url()).content.decode()
