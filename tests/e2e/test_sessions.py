"""A mediator schedules a session from the dispute page's Sessions panel (no JavaScript needed);
the party sees it with its time (docs/features/sessions.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mediation.models import Session

from .axe import assert_accessible
from .conftest import PHONE, sign_in

pytestmark = pytest.mark.e2e


def test_the_mediator_schedules_and_the_party_sees_it(new_page, dispute, advance):
    dispute = advance(dispute, "in_mediation")
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )

    page = new_page()
    sign_in(page, "mediator")
    page.goto(f"/disputes/{dispute.pk}/")
    panel = page.locator("#sessions")
    expect(panel).to_contain_text("尚未安排调解会议")
    assert_accessible(page)
    panel.locator("#session-starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    panel.locator("#session-duration").fill("90")
    panel.locator("#session-place").fill("社区调解室 201")
    panel.get_by_role("button", name="安排").click()
    session = Session.objects.get()
    expect(page).to_have_url(f"{page.url.split('/sessions/')[0]}/sessions/{session.pk}/")
    expect(page.locator("#session")).to_contain_text("社区调解室 201")
    expect(page.locator("#session")).to_contain_text(starts.strftime("%Y-%m-%d %H:%M"))
    assert_accessible(page)

    party = new_page(viewport=PHONE)
    sign_in(party, "claimant")
    party.goto(f"/disputes/{dispute.pk}/")
    item = party.locator("#sessions li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(starts.strftime("%Y-%m-%d %H:%M"))
    expect(item).to_contain_text("社区调解室 201")
    expect(party.locator("#session-starts")).to_have_count(0)
    item.get_by_role("link").click()
    expect(party.locator("#session")).to_contain_text("线下")
    expect(party.locator("#cancel")).to_have_count(0)
    assert_accessible(party)
