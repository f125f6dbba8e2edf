"""The related disputes panel on the dispute page: reasons, "link as related", "mark as a
duplicate", plain forms that work without JavaScript (docs/features/intake.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from disputes.models import Dispute, DisputeEvent, DisputeLink
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pair(regions, claimant, respondent):
    earlier = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="楼上漏水")
    new = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="楼上漏水又来了")
    return earlier, new


def test_the_grid_worker_sees_the_related_disputes_with_reasons_and_links_one(pair, grid_worker):
    earlier, new = pair
    page = signed_in(grid_worker).get(f"/disputes/{new.pk}/").content.decode()
    assert 'id="related"' in page
    assert earlier.reference in page
    assert "同一申请人" in page and "同一被申请人" in page
    assert f'action="/disputes/{new.pk}/links/"' in page
    assert 'name="duplicate_of"' in page

    r = signed_in(grid_worker).post(f"/disputes/{new.pk}/links/", {"dispute": earlier.pk}, follow=True)
    assert r.redirect_chain[-1][0] == f"/disputes/{new.pk}/"
    body = r.content.decode()
    assert "纠纷已关联" in body
    assert f"与 {earlier.reference} 相关" in body  # the timeline line
    assert DisputeEvent.objects.filter(dispute=earlier, transition="related").exists()
    assert (
        f"与 {new.reference} 相关" in signed_in(grid_worker).get(f"/disputes/{earlier.pk}/").content.decode()
    )


def test_mark_as_duplicate_from_the_page(pair, grid_worker, claimant):
    earlier, new = pair
    r = signed_in(grid_worker).post(
        f"/disputes/{new.pk}/transitions/reject/",
        {"reason": f"与 {earlier.reference} 为同一纠纷。", "referral_advice": "", "duplicate_of": earlier.pk},
        follow=True,
    )
    assert f"与 {earlier.reference} 重复" in r.content.decode()
    new.refresh_from_db()
    assert new.state == Dispute.State.REJECTED
    assert DisputeLink.objects.get().kind == "duplicate"
    notice = Notification.objects.get(dispute_id=new.pk, user=claimant, channel="in_app")
    assert earlier.reference in notice.body


def test_the_reject_form_still_works_without_a_duplicate(pair, grid_worker):
    _, new = pair
    signed_in(grid_worker).post(f"/disputes/{new.pk}/transitions/reject/", {"reason": "不属于受理范围"})
    new.refresh_from_db()
    assert new.state == Dispute.State.REJECTED
    assert not DisputeLink.objects.exists()


def test_parties_and_mediators_see_no_panel_and_cannot_link(pair, claimant, respondent, advance, mediator):
    earlier, new = pair
    assert 'id="related"' not in signed_in(claimant).get(f"/disputes/{new.pk}/").content.decode()
    assert signed_in(claimant).post(f"/disputes/{new.pk}/links/", {"dispute": earlier.pk}).status_code == 403
    advance(new, "in_mediation")
    assert 'id="related"' not in signed_in(mediator).get(f"/disputes/{new.pk}/").content.decode()
    assert not DisputeLink.objects.exists()


def test_bad_page_links_are_refused(pair, grid_worker, other_grid_worker, outsider, regions):
    earlier, new = pair
    gw = signed_in(grid_worker)
    for value in ("", "abc", str(new.pk), "9" * 40):
        r = gw.post(f"/disputes/{new.pk}/links/", {"dispute": value}, follow=True)
        assert r.status_code == 200
        assert "纠纷已关联" not in r.content.decode()
    assert gw.post(f"/disputes/{new.pk}/links/", {"dispute": 999999}).status_code == 404
    assert (
        signed_in(other_grid_worker).post(f"/disputes/{new.pk}/links/", {"dispute": earlier.pk}).status_code
        == 404
    )
    assert signed_in(outsider).post(f"/disputes/{new.pk}/links/", {"dispute": earlier.pk}).status_code == 404
    assert gw.get(f"/disputes/{new.pk}/links/").status_code == 405
    assert not DisputeLink.objects.exists()


def test_a_street_handler_sees_the_panel_without_the_buttons(pair, street_handler):
    earlier, new = pair
    page = signed_in(street_handler).get(f"/disputes/{new.pk}/").content.decode()
    assert earlier.reference in page
    assert 'name="duplicate_of"' not in page
    assert f'action="/disputes/{new.pk}/links/"' not in page
