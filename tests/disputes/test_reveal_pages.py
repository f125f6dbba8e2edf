"""The dispute page's "show" control, and the supervisors' list of reveals (page and API)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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
        respondent_address="杭州市西湖区北山路1号",
    )  # fmt: skip
    return advance(dispute, "awaiting_response")


def page_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def show(client, dispute, party="respondent", field="phone", reason="contact_party", text=""):
    return client.post(
        f"/disputes/{dispute.pk}/reveal/", {"party": party, "field": field, "reason": reason, "text": text}
    )


def test_staff_see_masked_fields_with_a_show_control(served, respondent, grid_worker):
    page = page_as(grid_worker).get(f"/disputes/{served.pk}/").content.decode()
    assert respondent.phone not in page and ID_NUMBER not in page and "北山路1号" not in page
    for shown in (mask_phone(respondent.phone), "***@example.com", "杭州市西湖***", "110***********002X"):
        assert shown in page, shown
    assert (
        page.count(f'action="/disputes/{served.pk}/reveal/"') == 5
    )  # the claimant's phone, the respondent's four fields
    assert 'name="reason"' in page and 'value="judicial_confirmation"' in page


def test_a_party_sees_their_own_data_in_full_and_no_show_control(served, claimant, respondent):
    page = page_as(respondent).get(f"/disputes/{served.pk}/").content.decode()
    for mine in (respondent.phone, "lisi@example.com", "杭州市西湖区北山路1号", ID_NUMBER):
        assert mine in page, mine
    assert claimant.phone not in page and mask_phone(claimant.phone) in page
    assert "/reveal/" not in page


def test_showing_a_field_puts_it_in_this_response_only(served, respondent, grid_worker):
    client = page_as(grid_worker)
    response = show(client, served, field="id_number", reason="verify_identity")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert ID_NUMBER in page and respondent.phone not in page
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.target, entry.data) == ("respondent.id_number", {"reason": "verify_identity", "text": ""})
    assert ID_NUMBER not in client.get(f"/disputes/{served.pk}/").content.decode()


def test_other_without_text_is_refused_on_the_page(served, respondent, grid_worker):
    response = show(page_as(grid_worker), served, reason="other")
    assert response.status_code == 400
    assert respondent.phone not in response.content.decode()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_a_party_may_not_show_the_other_partys_data(served, claimant, respondent):
    assert show(page_as(claimant), served).status_code == 403
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_a_stranger_gets_404(served, other_grid_worker):
    assert show(page_as(other_grid_worker), served).status_code == 404


def test_the_page_limit_is_the_apis(served, respondent, grid_worker, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REVEAL_RATE_PER_HOUR = 1
    client = page_as(grid_worker)
    assert show(client, served).status_code == 200
    response = show(client, served)
    assert response.status_code == 429 and respondent.phone not in response.content.decode()
    cache.clear()


# --- the supervisors' list -------------------------------------------------------------------
@pytest.fixture
def revealed(served, regions, claimant, respondent, grid_worker, other_grid_worker, api):
    """Two reveals on grid1's dispute, one on a grid3 dispute (street2, not street1)."""
    assert show(page_as(grid_worker), served, reason="serve_documents").status_code == 200
    assert (
        show(
            page_as(grid_worker), served, party="claimant", field="address", reason="other", text="上门核实"
        ).status_code
        == 200
    )
    other = factories.file_dispute(claimant, regions["grid3"], respondent.phone)
    assert show(page_as(other_grid_worker), other).status_code == 200
    return served, other


def test_a_street_handler_lists_the_reveals_of_their_street(
    revealed, street_handler, grid_worker, respondent, api
):
    served, _other = revealed
    body = api(street_handler).get("/api/v1/reveals/").json()
    rows = body["results"]
    assert [(r["dispute"]["id"], r["party"], r["field"], r["reason"]) for r in rows] == [
        (served.pk, "claimant", "address", "other"),
        (served.pk, "respondent", "phone", "serve_documents"),
    ]
    assert rows[0]["text"] == "上门核实" and rows[0]["actor"] == {"id": grid_worker.pk, "name": "赵网格"}
    assert rows[1]["masked_value"] == mask_phone(respondent.phone)
    assert respondent.phone not in str(body)


def test_the_district_handler_and_superusers_see_all(revealed, district_handler, admin, api):
    assert len(api(district_handler).get("/api/v1/reveals/").json()["results"]) == 3
    assert len(api(admin).get("/api/v1/reveals/").json()["results"]) == 3


@pytest.mark.parametrize("who", ["grid_worker", "mediator", "claimant", "outsider"])
def test_others_may_not_list_reveals(who, revealed, cast, api):
    r = api(cast(who)).get("/api/v1/reveals/")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert page_as(cast(who)).get("/reveals/").status_code == 403


def test_the_list_pages_with_a_cursor_in_constant_queries(revealed, admin, served, api):
    client = api(admin)
    client.get("/api/v1/reveals/?page_size=1")  # warm the token
    with CaptureQueriesContext(connection) as one:
        first = client.get("/api/v1/reveals/?page_size=1").json()
    for _ in range(5):
        show(page_as(admin), served, field="email")
    with CaptureQueriesContext(connection) as many:
        full = client.get("/api/v1/reveals/?page_size=8").json()
    assert len(full["results"]) == 8
    assert len(one.captured_queries) == len(many.captured_queries)
    second = client.get(first["next"]).json()
    assert second["results"][0]["id"] < first["results"][0]["id"]


def test_the_reveals_page(revealed, street_handler):
    page = page_as(street_handler).get("/reveals/").content.decode()
    assert "上门核实" in page and "赵网格" in page and revealed[0].reference in page
    assert revealed[1].reference not in page
    assert 'href="/reveals/"' in page  # in the staff navigation
