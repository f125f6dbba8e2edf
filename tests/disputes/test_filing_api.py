"""POST /api/v1/disputes/: filing a dispute (docs/api.md)."""

import re

import pytest
from django.utils import timezone

from disputes.models import Dispute, DisputeEvent
from tests import factories

pytestmark = pytest.mark.django_db

FILE = "/api/v1/disputes/"


@pytest.fixture
def body(regions, respondent):
    return {
        "title": "押金不退",
        "description": "退租时房东以墙面污损为由扣留全部押金 3000 元。",
        "category": "tenancy",
        "grid": regions["grid1"].pk,
        "respondent": {"name": "李四", "phone": respondent.phone, "email": "lisi@example.com"},
        "amount_claimed": "3000.00",
        "desired_outcome": "退还押金",
    }


def test_a_verified_resident_files_a_dispute(body, claimant, respondent, regions, api):
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["state"] == "filed"
    assert re.fullmatch(rf"TJ-{timezone.localtime():%Y}-\d{{6}}", data["reference"])
    assert data["reference"].endswith(f"{data['id']:06d}")
    assert data["claimant"] == {"name": "张三", "phone": claimant.phone}
    assert data["respondent"]["name"] == "李四"
    assert (data["category"]["slug"], data["grid"]["id"]) == ("tenancy", regions["grid1"].pk)
    assert data["amount_claimed"] == "3000.00"
    assert data["due_at"] is not None
    assert data["available_transitions"] == ["withdraw"]
    dispute = Dispute.objects.get(pk=data["id"])
    assert (dispute.state, dispute.filed_by, dispute.claimant_phone) == ("filed", claimant, claimant.phone)
    assert dispute.served_at is None and dispute.mediator is None and dispute.level == 2
    [event] = DisputeEvent.objects.filter(dispute=dispute)
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        "file",
        "",
        "filed",
        claimant,
    )


def test_the_respondent_phone_may_be_written_in_any_usual_form(body, claimant, respondent, api):
    body["respondent"]["phone"] = f"+86 {respondent.phone[:3]}-{respondent.phone[3:7]}-{respondent.phone[7:]}"
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 201
    assert Dispute.objects.get(pk=r.json()["id"]).respondent_phone == respondent.phone


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"title": ""}, {"title"}),
        ({"title": None}, {"title"}),
        ({"description": ""}, {"description"}),
        ({"title": "长" * 201}, {"title"}),
        ({"category": "no-such-category"}, {"category"}),
        ({"grid": 999999}, {"grid"}),
        ({"grid": "community1"}, {"grid"}),
        ({"respondent": {"name": "李四"}}, {"respondent.phone"}),
        ({"respondent": {"name": "", "phone": "12345"}}, {"respondent.name", "respondent.phone"}),
        (
            {"respondent": {"name": "李四", "phone": "13800001111", "email": "not-an-email"}},
            {"respondent.email"},
        ),
        ({"amount_claimed": "-1"}, {"amount_claimed"}),
        ({"amount_claimed": "abc"}, {"amount_claimed"}),
        ({"on_behalf_of": {"full_name": "老王"}}, {"on_behalf_of.phone"}),
    ],
)
def test_invalid_filings_are_refused_field_by_field(change, fields, body, claimant, regions, api):
    if change.get("grid") == "community1":
        change = {"grid": regions["community1"].pk}
    body.update(change)
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert set(r.json()) == {"detail", "code", "errors"}
    assert set(r.json()["errors"]) == fields
    assert not Dispute.objects.exists()


def test_an_empty_body_names_every_required_field(claimant, api):
    r = api(claimant).post(FILE, {}, format="json")
    assert r.status_code == 400
    assert {"title", "description", "category", "grid", "respondent"} <= set(r.json()["errors"])


def test_malformed_json_is_invalid_input(claimant, api):
    r = api(claimant).post(FILE, data='{"title": ', content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "parse_error"
    assert not Dispute.objects.exists()


def test_a_body_over_one_megabyte_is_refused_with_413(body, claimant, api):
    body["description"] = "长" * 600_000
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    assert not Dispute.objects.exists()


def test_filing_needs_credentials(body, api):
    r = api().post(FILE, body, format="json")
    assert r.status_code == 401
    assert not Dispute.objects.exists()


def test_an_unverified_resident_may_not_file(body, api):
    unverified = factories.UserFactory(phone_verified=False)
    r = api(unverified).post(FILE, body, format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "phone_unverified"
    assert not Dispute.objects.exists()


def test_naming_yourself_as_respondent_is_invalid(body, claimant, api):
    body["respondent"]["phone"] = claimant.phone
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400
    assert "respondent" in r.json()["errors"]
    assert not Dispute.objects.exists()


def test_a_grid_worker_files_on_behalf_of_a_resident_without_a_smartphone(body, grid_worker, api):
    body["on_behalf_of"] = {"full_name": "王大爷", "phone": "13900001234"}
    r = api(grid_worker).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    dispute = Dispute.objects.get(pk=r.json()["id"])
    assert (dispute.claimant_name, dispute.claimant_phone, dispute.filed_by) == (
        "王大爷",
        "13900001234",
        grid_worker,
    )
    event = dispute.events.get()
    assert (event.actor, event.actor_role) == (grid_worker, "grid_worker")
    # When the resident later verifies that number, the dispute is theirs.
    resident = factories.UserFactory(phone="13900001234")
    r = api(resident).get(f"{FILE}{dispute.pk}/")
    assert r.status_code == 200
    assert r.json()["available_transitions"] == ["withdraw"]


@pytest.mark.parametrize("who", ["other_grid_worker", "claimant", "mediator", "street_handler"])
def test_only_a_grid_worker_of_that_grid_may_file_on_behalf_of_someone(who, body, api, cast):
    body["on_behalf_of"] = {"full_name": "王大爷", "phone": "13900001234"}
    r = api(cast(who)).post(FILE, body, format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    assert not Dispute.objects.exists()


def test_on_behalf_of_a_resident_who_is_the_respondent_is_invalid(body, grid_worker, respondent, api):
    body["on_behalf_of"] = {"full_name": "李四", "phone": respondent.phone}
    r = api(grid_worker).post(FILE, body, format="json")
    assert r.status_code == 400
    assert not Dispute.objects.exists()


def test_a_double_submitted_filing_creates_one_dispute(body, claimant, api):
    client = api(claimant)
    first = client.post(FILE, body, format="json")
    second = client.post(FILE, body, format="json")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["reference"] == first.json()["reference"]
    assert Dispute.objects.count() == 1
    assert DisputeEvent.objects.count() == 1


def test_a_different_filing_or_a_refiling_after_withdrawal_is_a_new_dispute(body, claimant, api):
    client = api(claimant)
    first = client.post(FILE, body, format="json").json()
    other = client.post(FILE, {**body, "title": "另一件事"}, format="json")
    assert other.status_code == 201 and other.json()["id"] != first["id"]
    client.post(f"{FILE}{first['id']}/transitions/withdraw/", {}, format="json")
    again = client.post(FILE, body, format="json")
    assert again.status_code == 201
    assert again.json()["id"] not in (first["id"], other.json()["id"])
    assert Dispute.objects.count() == 3


def test_the_same_filing_by_two_claimants_is_two_disputes(body, claimant, outsider, api):
    assert api(claimant).post(FILE, body, format="json").status_code == 201
    assert api(outsider).post(FILE, body, format="json").status_code == 201
    assert Dispute.objects.count() == 2


def test_filings_are_rate_limited(body, claimant, api, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"filing": "2/hour", "auth": "1000/min"})
    client = api(claimant)
    assert client.post(FILE, {**body, "title": "一"}, format="json").status_code == 201
    assert client.post(FILE, {**body, "title": "二"}, format="json").status_code == 201
    r = client.post(FILE, {**body, "title": "三"}, format="json")
    assert r.status_code == 429
    assert r.json()["code"] == "throttled"
    assert Dispute.objects.count() == 2
    # Reading is not limited.
    assert client.get(FILE).status_code == 200
    cache.clear()


def test_categories_and_grids_are_listed_for_the_filing_form(regions, api):
    categories = api().get("/api/v1/categories/")
    assert categories.status_code == 200
    assert {"slug": "tenancy", "name": "租赁纠纷"} in categories.json()
    grids = api().get("/api/v1/regions/?kind=grid")
    assert grids.status_code == 200
    assert {g["name"] for g in grids.json()} == {"宝石一网格", "宝石二网格", "玉泉一网格"}
    assert set(grids.json()[0]) == {"id", "name", "kind", "parent", "path"}
    assert api().get("/api/v1/regions/?kind=planet").status_code == 400
