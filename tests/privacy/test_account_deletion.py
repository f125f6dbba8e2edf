"""A resident deletes their account (docs/personal-data-retention.md, "Account deletion"): their
contact data goes everywhere, the signed agreement still verifies, and the refusals hold."""

from __future__ import annotations

import io

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import PhoneCode, User
from core import audit
from core.crypto import blind_index
from core.errors import ServiceError
from core.models import AuditEntry
from disputes import services
from disputes.models import Dispute
from disputes.retention import DELETED_NAME, REMOVED_PHONE
from mediation.models import SettlementSignature
from mediation.privacy import deletion
from mediation.settlements import agreements as settlements
from notifications.models import Notification
from tests.settlement.test_signed_pdf import blocks, pdfsig

pytestmark = pytest.mark.django_db

PASSWORD = "tiaojie-test-pw"
URL = "/api/v1/auth/me/delete/"
PAGE = "/accounts/delete/"


@pytest.fixture
def closed_with_agreement(dispute, advance, grid_worker, claimant):
    """Settled with all four signatures, then closed by the follow-up visit; the claimant has
    full contact data on file, notices in the inbox and the SMS outbox, and codes."""
    User.objects.filter(pk=claimant.pk).update(
        email="zhang@example.cn", id_number="11010519491231002X", address="杭州市西湖区宝石路1号"
    )
    Dispute.objects.filter(pk=dispute.pk).update(claimant_address="杭州市西湖区宝石路1号")
    dispute = advance(dispute, "settled")
    services.fire(dispute.pk, "record_fulfilment", by=grid_worker, payload={"note": "已履行"})
    dispute.refresh_from_db()
    assert dispute.state == "closed"
    claimant.refresh_from_db()
    return dispute


def read_pdf(dispute) -> bytes:
    with settlements.latest(dispute).pdf.open("rb") as f:
        return f.read()


def verify(api, content: bytes) -> dict:
    response = api().post("/api/v1/verify/", {"file": io.BytesIO(content)}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def test_after_deletion_the_agreement_still_verifies_and_no_contact_data_remains(
    closed_with_agreement,
    claimant,
    respondent,
    api,
    tmp_path,
):
    dispute = closed_with_agreement
    phone, email, pk = claimant.phone, claimant.email, claimant.pk
    pdf_before = read_pdf(dispute)
    settlement = settlements.latest(dispute)
    signatures_before = list(SettlementSignature.objects.filter(settlement=settlement).values())
    assert Notification.objects.filter(user=claimant).exists()
    assert Notification.objects.filter(address_index=blind_index(phone)).exists()
    assert PhoneCode.objects.filter(phone_index=blind_index(phone)).exists()
    respondent_before = Dispute.objects.filter(pk=dispute.pk).values(
        "respondent_name", "respondent_phone", "respondent_email", "respondent_address"
    ).get()  # fmt: skip
    client = api(claimant)

    response = client.post(URL, {"password": PASSWORD}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["disputes"] == 1
    # The signed agreement: the same bytes, pdfsig still finds four valid signatures (and the
    # archive timestamp after the seal over the whole file, PAdES B-LTA), and the public verifier
    # says valid and matching the record.
    settlement.refresh_from_db()
    assert read_pdf(dispute) == pdf_before
    assert list(SettlementSignature.objects.filter(settlement=settlement).values()) == signatures_before
    report = pdfsig(read_pdf(dispute), tmp_path)
    *sigs, archive = blocks(report)
    assert len(sigs) == 4 and all("Signature Validation: Signature is Valid." in b for b in sigs), report
    assert "Total document signed" in archive, report
    answer = verify(api, pdf_before)
    assert answer["valid"] is True and answer["matches_record"] is True
    assert answer["verification_code"] == settlement.verification_code

    # The account: nothing that identifies its holder, and no way in.
    user = User.objects.get(pk=pk)
    assert user.username == f"deleted-{pk}"
    assert (user.full_name, user.phone, user.email, user.id_number, user.address) == ("", "", "", "", "")
    assert not user.phone_verified and not user.is_active and not user.has_usable_password()
    # The dispute: their side replaced, the other side and the case untouched.
    row = Dispute.objects.filter(pk=dispute.pk).values().get()
    assert (row["claimant_name"], row["claimant_phone"], row["claimant_address"]) == (
        DELETED_NAME, REMOVED_PHONE["claimant"], "",
    )  # fmt: skip
    # The blind index moved with the phone: a new account with the old number finds nothing.
    assert row["claimant_phone_index"] == blind_index(REMOVED_PHONE["claimant"]) != blind_index(phone)
    assert {k: row[k] for k in respondent_before} == respondent_before
    assert (
        row["state"] == "closed"
        and row["title"] == dispute.title
        and row["description"] == dispute.description
    )
    for value in row.values():
        assert phone not in str(value) and "宝石路1号" not in str(value)
    # No notice to them, no code, no token, no session.
    assert not Notification.objects.filter(user_id=pk).exists()
    assert not Notification.objects.filter(
        address_index__in=[blind_index(phone), blind_index(email)]
    ).exists()
    assert (
        not PhoneCode.objects.filter(phone_index=blind_index(phone)).exists()
        and not PhoneCode.objects.filter(user_id=pk).exists()
    )
    assert not Token.objects.filter(user_id=pk).exists()
    assert not any(s.get_decoded().get("_auth_user_id") == str(pk) for s in Session.objects.all())
    # One `account` entry, with no contact data in it; the chain holds.
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.ACCOUNT).get()
    assert entry.actor_id == pk and entry.data["event"] == "deleted"
    assert phone not in str(entry.data) + entry.target and email not in str(entry.data)
    assert audit.verify()[1] is None
    # The old token and the old password no longer work.
    assert client.get("/api/v1/auth/me/").status_code == 401
    signed_in = api().post("/api/v1/auth/token/", {"username": claimant.username, "password": PASSWORD})
    assert signed_in.status_code in (400, 401)
    # The other party still sees the case and the agreement.
    assert api(respondent).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 200


def test_a_wrong_password_deletes_nothing(closed_with_agreement, claimant, api):
    before = User.objects.filter(pk=claimant.pk).values().get()
    response = api(claimant).post(URL, {"password": "not-my-password"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password" and "password" in response.json()["errors"]
    assert User.objects.filter(pk=claimant.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="account").exists()


def test_a_missing_password_is_a_bad_request(claimant, api):
    response = api(claimant).post(URL, {}, format="json")
    assert response.status_code == 400 and "password" in response.json()["errors"]
    assert User.objects.get(pk=claimant.pk).is_active


@pytest.mark.parametrize("who", ["claimant", "respondent"])
def test_refused_while_a_dispute_they_take_part_in_is_open(who, dispute, advance, cast, api, snapshot):
    dispute = advance(dispute, "in_mediation")
    user = cast(who)
    before = snapshot(dispute)
    response = api(user).post(URL, {"password": PASSWORD}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "open_disputes" and dispute.reference in response.json()["detail"]
    assert "仍在办理中" in response.json()["detail"]  # in the caller's language, Chinese by default
    assert snapshot(dispute) == before
    assert User.objects.get(pk=user.pk).is_active


def test_a_settled_dispute_awaiting_its_follow_up_is_still_open(dispute, advance, claimant, api):
    advance(dispute, "settled")
    response = api(claimant).post(URL, {"password": PASSWORD}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "open_disputes"


def test_a_respondent_never_served_may_delete_and_the_open_filing_keeps_their_number(
    dispute, respondent, api
):
    """The filing is the claimant's; the respondent has not been told of it, so it does not block."""
    response = api(respondent).post(URL, {"password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert Dispute.objects.get(pk=dispute.pk).respondent_phone == respondent.phone


@pytest.mark.parametrize("who", ["grid_worker", "mediator", "street_handler"])
def test_staff_accounts_are_closed_by_an_administrator(who, cast, api):
    user = cast(who)
    response = api(user).post(URL, {"password": PASSWORD}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "staff_account"
    assert User.objects.get(pk=user.pk).is_active


def test_an_already_deleted_account_cannot_be_deleted_again(claimant, api, rf):
    assert api(claimant).post(URL, {"password": PASSWORD}, format="json").status_code == 200
    deleted = User.objects.get(pk=claimant.pk)
    with pytest.raises(ServiceError) as refused:
        deletion.delete_account(deleted, PASSWORD, request=rf.post(URL))
    assert refused.value.code == "already_deleted"
    assert AuditEntry.objects.filter(action="account").count() == 1


def test_anonymous_callers_get_401(api):
    assert api().post(URL, {"password": PASSWORD}, format="json").status_code == 401


# --- the page ------------------------------------------------------------------------------------
def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_explains_asks_for_the_password_and_the_confirmation_then_signs_out(claimant):
    client = signed_in(claimant)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b'name="password"' in page.content and b'name="confirm"' in page.content
    unconfirmed = client.post(PAGE, {"password": PASSWORD})
    assert unconfirmed.status_code == 200 and User.objects.get(pk=claimant.pk).is_active
    wrong = client.post(PAGE, {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200 and User.objects.get(pk=claimant.pk).is_active
    done = client.post(PAGE, {"password": PASSWORD, "confirm": "on"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert not User.objects.get(pk=claimant.pk).is_active
    assert client.get("/disputes/").status_code == 302  # signed out
    assert not client.login(username=claimant.username, password=PASSWORD)


def test_the_page_is_in_chinese_by_default(claimant):
    page = signed_in(claimant).get(PAGE)
    assert "注销账户" in page.content.decode()


def test_the_page_says_why_it_refuses_and_offers_no_form(dispute, advance, claimant):
    advance(dispute, "in_mediation")
    client = signed_in(claimant)
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and dispute.reference in page.content.decode()
    assert b'name="password"' not in page.content
    refused = client.post(PAGE, {"password": PASSWORD, "confirm": "on"})
    assert refused.status_code == 409 and User.objects.get(pk=claimant.pk).is_active


def test_the_page_needs_a_sign_in():
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unsigned_judicial_application_counts_as_open(
    dispute, advance, grid_worker, claimant, respondent, api
):
    from mediation.settlements import judicial

    dispute = advance(dispute, "settled")
    judicial.start(dispute, respondent)
    services.fire(dispute.pk, "record_fulfilment", by=grid_worker, payload={})
    response = api(claimant).post(URL, {"password": PASSWORD}, format="json")
    assert response.status_code == 409 and dispute.reference in response.json()["detail"]


def test_a_removed_party_is_told_nothing_more(closed_with_agreement, claimant, api):
    """A later event on the ended dispute (here a notice to the claimant) queues nothing to the marker."""
    from disputes import notices
    from disputes.models import DisputeEvent

    dispute = closed_with_agreement
    assert api(claimant).post(URL, {"password": PASSWORD}, format="json").status_code == 200
    event = DisputeEvent.objects.create(
        dispute_id=dispute.pk, transition="reopen_test", to_state="closed", actor_role="system"
    )
    notices.RULES["reopen_test"] = [("claimant", None), ("respondent", None)]
    try:
        found = notices.recipients(event)
    finally:
        del notices.RULES["reopen_test"]
    assert [r.phone for r in found] == [Dispute.objects.get(pk=dispute.pk).respondent_phone]
