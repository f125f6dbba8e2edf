"""What leaves an audit entry: sign-in and sign-out, failed sign-ins, transitions, downloads,
admin changes, signatures (docs/personal-data-audit.md). Each leaves exactly one entry of its
kind, with the actor, the dispute and no secret."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import Region, StaffRole
from core import audit
from core.models import AuditEntry
from disputes import services
from tests import factories, samples

pytestmark = pytest.mark.django_db
PASSWORD = "tiaojie-test-pw"  # tests.factories.UserFactory
A = AuditEntry.Action


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def mark() -> int:
    head = audit.head()
    return head[0] if head else -1


def since(start: int, action: str | None = None) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(index__gt=start)
    return list(entries.filter(action=action) if action else entries)


# --- accounts ----------------------------------------------------------------------------------
def test_signing_in_and_out_on_the_page_leaves_one_entry_each_with_the_address(claimant):
    client = Client(REMOTE_ADDR="203.0.113.7")
    start = mark()
    r = client.post("/accounts/login/", {"username": "claimant", "password": PASSWORD})
    assert r.status_code == 302
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.actor, entry.ip) == (
        A.SIGN_IN,
        claimant.pk,
        "claimant",
        "203.0.113.7",
    )
    start = mark()
    client.post("/accounts/logout/")
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.ip) == (A.SIGN_OUT, claimant.pk, "203.0.113.7")
    assert audit.verify()[1] is None


def test_a_wrong_password_names_the_account_tried_and_never_the_password(claimant):
    start = mark()
    r = Client(REMOTE_ADDR="203.0.113.8").post(
        "/accounts/login/", {"username": "claimant", "password": "guess-Secret-991"}
    )
    assert r.status_code == 200
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.target, entry.ip) == (
        A.SIGN_IN_FAILED, None, "claimant", "203.0.113.8",
    )  # fmt: skip
    assert entry.data == {"user_id": claimant.pk}
    assert "guess-Secret-991" not in json.dumps(entry.data) + entry.target


def test_a_name_that_is_no_account_is_not_kept(claimant):
    """What was typed may be a password or phone number in the wrong field."""
    start = mark()
    Client().post("/accounts/login/", {"username": "13912345678", "password": PASSWORD})
    [entry] = since(start)
    assert (entry.action, entry.target, entry.data) == (A.SIGN_IN_FAILED, "", {"known_account": False})


def test_the_api_token_endpoint_records_sign_in_and_failure_once_each(claimant):
    client = Client(REMOTE_ADDR="198.51.100.4")
    start = mark()
    r = client.post("/api/v1/auth/token/", {"username": "claimant", "password": PASSWORD}, "application/json")
    assert r.status_code == 200
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.ip, entry.data) == (
        A.SIGN_IN, claimant.pk, "198.51.100.4", {"via": "token"},
    )  # fmt: skip
    assert r.json()["token"] not in json.dumps(entry.data)
    start = mark()
    r = client.post(
        "/api/v1/auth/token/", {"username": "claimant", "password": "nope-nope-1"}, "application/json"
    )
    assert r.status_code == 401
    assert [e.action for e in since(start)] == [A.SIGN_IN_FAILED]


# --- transitions -------------------------------------------------------------------------------
def test_a_transition_leaves_one_entry_with_actor_dispute_and_states(dispute, grid_worker):
    start = mark()
    services.fire(dispute.pk, "accept", by=grid_worker, payload={})
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.dispute_id, entry.target) == (
        A.TRANSITION, grid_worker.pk, dispute.pk, "accept",
    )  # fmt: skip
    assert (entry.data["from"], entry.data["to"]) == ("filed", "awaiting_response")


def test_a_refused_transition_leaves_nothing(dispute, outsider, respondent):
    start = mark()
    with pytest.raises(services.ServiceError):
        services.fire(dispute.pk, "accept", by=respondent, payload={})
    assert since(start) == []


def test_the_sla_engine_transitions_as_the_system(dispute):
    start = mark()
    services.fire(dispute.pk, "escalate", by=None, payload={"reason": "超时"})
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.actor, entry.dispute_id) == (
        A.TRANSITION,
        None,
        "",
        dispute.pk,
    )
    assert entry.data["to"] == "escalated"


# --- downloads ---------------------------------------------------------------------------------
def test_an_evidence_download_is_one_entry_and_a_refused_one_none(dispute, claimant, outsider, api):
    evidence = services.add_evidence(dispute, by=claimant, upload=samples.upload("收据.pdf", samples.pdf()))
    start = mark()
    r = api(claimant).get(f"/api/v1/disputes/{dispute.pk}/evidence/{evidence.pk}/download/")
    assert r.status_code == 200
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.dispute_id, entry.target) == (
        A.DOWNLOAD, claimant.pk, dispute.pk, f"evidence:{evidence.pk}",
    )  # fmt: skip
    assert entry.data == {"document": "evidence", "evidence_id": evidence.pk, "sha256": evidence.sha256}
    start = mark()
    assert (
        api(outsider).get(f"/api/v1/disputes/{dispute.pk}/evidence/{evidence.pk}/download/").status_code
        == 404
    )
    assert since(start) == []


def test_a_settlement_pdf_download_is_one_entry(dispute, advance, respondent, api):
    advance(dispute, "awaiting_signatures")
    start = mark()
    r = api(respondent).get(f"/api/v1/disputes/{dispute.pk}/settlement/pdf/")
    assert r.status_code == 200
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.dispute_id) == (A.DOWNLOAD, respondent.pk, dispute.pk)
    assert entry.data["document"] == "settlement" and entry.data["sealed"] is False


def test_a_case_file_download_is_one_entry(dispute, advance, grid_worker, street_handler, api):
    advance(dispute, "escalated")
    start = mark()
    r = api(street_handler).get(f"/api/v1/disputes/{dispute.pk}/dossier/")
    assert r.status_code == 200
    [entry] = since(start, A.DOWNLOAD)
    assert (entry.actor_id, entry.dispute_id, entry.target) == (street_handler.pk, dispute.pk, "dossier")
    assert len(entry.data["sha256"]) == 64


# --- signatures --------------------------------------------------------------------------------
def test_each_settlement_signature_and_the_seal_leave_one_signature_entry(
    dispute, advance, claimant, respondent, mediator
):
    advance(dispute, "awaiting_signatures")
    start = mark()
    services.fire(
        dispute.pk, "sign", by=respondent, payload={"agree": True, "code": factories.sign_code(respondent)}
    )
    [entry] = since(start, A.SIGNATURE)
    assert (entry.actor_id, entry.dispute_id, entry.data["signer_role"]) == (
        respondent.pk,
        dispute.pk,
        "respondent",
    )
    assert "code" not in entry.data and "246810" not in json.dumps(entry.data)
    services.fire(
        dispute.pk, "sign", by=claimant, payload={"agree": True, "code": factories.sign_code(claimant)}
    )
    start = mark()
    services.fire(
        dispute.pk, "sign", by=mediator, payload={"agree": True, "code": factories.sign_code(mediator)}
    )
    mediator_entry, seal = since(start, A.SIGNATURE)
    assert (mediator_entry.actor_id, mediator_entry.data["signer_role"]) == (mediator.pk, "mediator")
    assert (seal.actor_id, seal.dispute_id, seal.data["signer_role"]) == (None, dispute.pk, "committee")
    [transition] = since(start, A.TRANSITION)
    assert transition.data["to"] == "settled"


def test_a_judicial_signature_leaves_one_entry(dispute, advance, respondent):
    from mediation.models import JudicialApplication
    from mediation.settlements import judicial
    from tests.settlement.test_judicial import judicial_code

    advance(dispute, "settled")
    judicial.start(dispute, respondent)
    application = JudicialApplication.objects.get(dispute=dispute)
    start = mark()
    judicial.sign(dispute, respondent, code=judicial_code(respondent, application))
    [entry] = since(start, A.SIGNATURE)
    assert (entry.actor_id, entry.dispute_id, entry.data["document"], entry.data["signer_role"]) == (
        respondent.pk, dispute.pk, "judicial", "respondent",
    )  # fmt: skip


# --- the admin ---------------------------------------------------------------------------------
@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def test_an_admin_change_names_the_fields_never_their_values(superuser, claimant, regions):
    client = Client()
    client.force_login(superuser)
    start = mark()
    role = StaffRole.objects.create(user=claimant, role="grid_worker", region=regions["grid1"])
    r = client.post(
        f"/admin/accounts/staffrole/{role.pk}/change/",
        {"user": claimant.pk, "role": "case_handler", "region": regions["street1"].pk},
    )
    assert r.status_code == 302, r.content[:2000]
    [entry] = since(start, A.ADMIN_CHANGE)
    assert (entry.actor_id, entry.target) == (superuser.pk, f"accounts.staffrole:{role.pk}")
    assert entry.data["op"] == "change"
    assert entry.data["fields"] == ["region", "role"]
    assert "case_handler" not in json.dumps(entry.data)


def test_adding_and_deleting_in_the_admin_are_recorded(superuser):
    client = Client()
    client.force_login(superuser)
    start = mark()
    r = client.post("/admin/accounts/region/add/", {"name": "新区", "name_en": "New", "kind": "district"})
    assert r.status_code == 302
    region = Region.objects.get(name="新区")
    client.post(f"/admin/accounts/region/{region.pk}/delete/", {"post": "yes"})
    assert [(e.action, e.data["op"]) for e in since(start)] == [
        (A.ADMIN_CHANGE, "add"),
        (A.ADMIN_CHANGE, "delete"),
    ]


def test_a_bulk_delete_in_the_admin_is_one_entry_with_the_ids(superuser):
    client = Client()
    client.force_login(superuser)
    regions = [Region.objects.create(name=f"待删{i}", kind="district") for i in range(3)]
    start = mark()
    r = client.post(
        "/admin/accounts/region/",
        {"action": "delete_selected", "_selected_action": [r.pk for r in regions], "post": "yes"},
    )
    assert r.status_code == 302
    assert not Region.objects.filter(pk__in=[r.pk for r in regions]).exists()
    [entry] = since(start)
    assert (entry.action, entry.actor_id, entry.data["count"]) == (A.ADMIN_CHANGE, superuser.pk, 3)
    assert sorted(entry.data["object_ids"]) == sorted(str(r.pk) for r in regions)
