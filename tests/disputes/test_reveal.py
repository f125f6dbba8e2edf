"""Reveals: staff in charge of a dispute see one field of one party with a reason, audited and
rate-limited; nobody else does (docs/personal-data-masking.md)."""

from __future__ import annotations

import pytest

from accounts.phones import mask_phone
from core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def served(regions, claimant, respondent, advance):
    respondent.id_number = ID_NUMBER
    respondent.save()
    dispute = factories.file_dispute(
        claimant, regions["grid1"], respondent.phone, respondent_email="lisi@example.com",
        respondent_address="北京市朝阳区建国路88号3单元502",
    )  # fmt: skip
    return advance(dispute, "awaiting_response")


def url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/reveal/"


def ask(client, dispute, party="respondent", field="phone", code="contact_party", text=""):
    return client.post(
        url(dispute), {"party": party, "field": field, "reason": {"code": code, "text": text}}, format="json"
    )


def reveals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="reveal").order_by("index"))


@pytest.mark.parametrize(
    "field, expected",
    [("phone", None), ("email", "lisi@example.com"), ("address", "北京市朝阳区建国路88号3单元502"),
     ("id_number", ID_NUMBER)],
)  # fmt: skip
@pytest.mark.parametrize("who", ["grid_worker", "street_handler", "district_handler", "admin"])
def test_staff_in_charge_reveal_one_field_with_a_reason(who, field, expected, served, respondent, api, cast):
    user = cast(who)
    r = ask(api(user), served, field=field, code="serve_documents", text="寄送调解通知")
    assert r.status_code == 200, r.content
    assert r.json() == {"party": "respondent", "field": field, "value": expected or respondent.phone}
    (entry,) = reveals()
    assert (entry.actor_id, entry.dispute_id, entry.target) == (user.pk, served.pk, f"respondent.{field}")
    assert entry.data == {"reason": "serve_documents", "text": "寄送调解通知"}
    assert respondent.phone not in str(entry.data) + entry.target and ID_NUMBER not in str(entry.data)
    assert entry.ip == "127.0.0.1"


def test_the_mediator_reveals_the_claimants_phone(regions, advance, claimant, respondent, mediator, api):
    dispute = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone), "mediator_assigned"
    )
    r = ask(api(mediator), dispute, party="claimant")
    assert r.status_code == 200 and r.json()["value"] == claimant.phone


def test_the_detail_stays_masked_after_a_reveal(served, respondent, grid_worker, api):
    client = api(grid_worker)
    assert ask(client, served).status_code == 200
    body = client.get(f"/api/v1/disputes/{served.pk}/").json()
    assert body["respondent"]["phone"] == mask_phone(respondent.phone)


@pytest.mark.parametrize("who", ["claimant", "respondent"])
def test_a_party_may_not_reveal_the_other_partys_data(who, served, api, cast):
    other = "respondent" if who == "claimant" else "claimant"
    r = ask(api(cast(who)), served, party=other)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert reveals() == []


@pytest.mark.parametrize("who", ["outsider", "other_grid_worker", "other_mediator"])
def test_someone_who_cannot_see_the_dispute_gets_404(who, served, api, cast):
    assert ask(api(cast(who)), served).status_code == 404
    assert reveals() == []


def test_a_street_handler_over_a_district_level_dispute_sees_it_but_may_not_reveal(
    regions, claimant, respondent, grid_worker, street_handler, district_handler, api
):
    from disputes import services

    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    services.fire(dispute.pk, "escalate", by=grid_worker, payload={"reason": "上报"})
    services.fire(dispute.pk, "take_case", by=street_handler, payload={})
    services.fire(dispute.pk, "return_to_mediation", by=street_handler, payload={"reason": "再调"})
    services.fire(dispute.pk, "escalate", by=grid_worker, payload={"reason": "再次上报"})
    dispute.refresh_from_db()
    assert dispute.level == 0
    assert api(street_handler).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 200
    assert ask(api(street_handler), dispute, party="claimant").status_code == 403
    assert ask(api(district_handler), dispute, party="claimant").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"party": "mediator", "field": "phone", "reason": {"code": "contact_party"}},
        {"party": "claimant", "field": "password", "reason": {"code": "contact_party"}},
        {"party": "claimant", "field": "phone"},
        {"party": "claimant", "field": "phone", "reason": "contact_party"},
        {"party": "claimant", "field": "phone", "reason": {"code": "curiosity"}},
        {"party": "claimant", "field": "phone", "reason": {"code": "other"}},
        {"party": "claimant", "field": "phone", "reason": {"code": "other", "text": "   "}},
        {"party": "claimant", "field": "phone", "reason": {"code": "other", "text": "长" * 201}},
        {"party": "claimant", "field": "phone", "reason": {"code": "contact_party", "text": 5}},
        {"party": ["claimant"], "field": "phone", "reason": {"code": "contact_party"}},
    ],
)
def test_malformed_requests_are_refused_and_reveal_nothing(body, served, claimant, grid_worker, api):
    r = api(grid_worker).post(url(served), body, format="json")
    assert r.status_code == 400, r.content
    assert claimant.phone not in r.content.decode()
    assert reveals() == []


def test_other_with_a_text_is_accepted(served, grid_worker, api):
    assert ask(api(grid_worker), served, code="other", text="核对送达地址").status_code == 200
    assert reveals()[0].data == {"reason": "other", "text": "核对送达地址"}


def test_reveals_are_rate_limited_per_staff_member(served, grid_worker, street_handler, api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REVEAL_RATE_PER_HOUR = 3
    client = api(grid_worker)
    assert [ask(client, served).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert ask(client, served).json()["code"] == "rate_limited"
    assert len(reveals()) == 3  # a refused reveal is not recorded, and shows nothing
    assert ask(api(street_handler), served).status_code == 200  # another staff member's own count
    cache.clear()


@pytest.mark.parametrize("body", ["[]", "null", '"phone"', "5"])
def test_a_body_that_is_not_an_object_is_a_400(body, served, grid_worker, api):
    r = api(grid_worker).post(url(served), body, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert reveals() == []
