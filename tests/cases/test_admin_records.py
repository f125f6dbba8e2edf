"""The records that change only through their rules are read-only in the Django admin."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "disputes/dispute", "disputes/evidence", "disputes/inforequest", "disputes/rating", "disputes/review",
    "mediation/room", "mediation/message", "mediation/settlement", "mediation/judicialapplication",
]  # fmt: skip


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", READ_ONLY)
def test_staff_list_them_but_cannot_add(model, admin_client):
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403


def test_a_request_for_information_is_shown_but_not_changed_or_deleted(asked, admin_client):
    listing = admin_client.get("/admin/disputes/inforequest/").content.decode()
    assert asked.dispute.reference in listing
    page = f"/admin/disputes/inforequest/{asked.pk}/change/"
    assert admin_client.get(page).status_code == 200  # a view, without a save button
    assert 'name="_save"' not in admin_client.get(page).content.decode()
    assert admin_client.post(page, {"question": "改过的问题"}).status_code == 403
    assert (
        admin_client.post(f"/admin/disputes/inforequest/{asked.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    asked.refresh_from_db()
    assert asked.question == "请提供维修报价单"
