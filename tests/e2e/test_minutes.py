"""Session minutes in the browser (docs/features/minutes.md): the mediator records and finalises
them through the no-JS forms, a party present confirms with the code from the SMS; both pages
pass the accessibility check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mediation.models import Minutes, MinutesConfirmation, Room, Session

from .axe import assert_accessible
from .conftest import sign_in, sms_code

pytestmark = pytest.mark.e2e

SAID = "被申请人同意下周请人检修防水层"


def test_the_mediator_records_and_a_party_confirms(
    new_page, dispute, advance, claimant, respondent, mediator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    advance(dispute, "in_mediation")
    session = Session.objects.create(
        dispute=dispute, room=Room.objects.get(dispute=dispute, kind="joint"), mode="in_person",
        place="社区调解室", starts_at=timezone.now() - timedelta(hours=1), created_by=mediator,
    )  # fmt: skip
    session.attendees.set([claimant, respondent, mediator])
    url = f"/sessions/{session.pk}/minutes/"

    page = new_page()
    sign_in(page, "mediator")
    page.goto(url)
    expect(page.get_by_role("heading", name="制作笔录")).to_be_visible()
    assert_accessible(page)
    page.select_option("#speaker-1", str(respondent.pk))
    page.fill("#text-1", SAID)
    page.fill("#minutes-agreed", "双方同意七日内共同查看现场")
    page.get_by_role("button", name="保存笔录").click()
    expect(page.get_by_text("笔录已保存。")).to_be_visible()
    page.get_by_role("button", name="定稿并请当事人确认").click()
    expect(page.get_by_text("笔录已定稿，到场当事人现在可以确认。")).to_be_visible()
    assert Minutes.objects.get(session=session).finalised_at is not None
    assert_accessible(page)

    party = new_page()
    sign_in(party, "claimant")
    party.goto(url)
    expect(party.get_by_text(SAID)).to_be_visible()
    party.get_by_role("button", name="发送验证码").click()
    expect(party.get_by_text("验证码已发送至")).to_be_visible()
    assert_accessible(party)
    party.fill("#minutes-code", sms_code(claimant.phone))
    party.get_by_role("button", name="确认笔录").click()
    expect(party.get_by_text("您已确认笔录。")).to_be_visible()
    assert MinutesConfirmation.objects.filter(user=claimant, version=1).exists()
    expect(party.locator("#minutes-code")).to_have_count(0)
