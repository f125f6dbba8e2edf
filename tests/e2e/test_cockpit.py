"""The cockpit in the browser: a figure, followed to its list, counts the same rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes.models import Dispute
from tests import factories

from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def street(regions, claimant, respondent):
    """Twelve disputes in street1's grids (four of them overdue) and three in street2's."""
    now = timezone.now()
    for n in range(15):
        grid = regions["grid3"] if n >= 12 else regions["grid1"] if n % 2 else regions["grid2"]
        d = factories.file_dispute(claimant, grid, respondent.phone, title=f"纠纷{n}")
        due = now - timedelta(days=1) if n % 3 == 0 else now + timedelta(days=3)
        Dispute.objects.filter(pk=d.pk).update(due_at=due)


def test_a_street_handler_follows_overdue_to_its_list(new_page, street, street_handler):
    page = new_page()
    sign_in(page, "street_handler")
    page.goto("/cockpit/")
    overdue = page.locator('[data-figure="overdue"] .figure')
    expect(overdue).to_have_text("4")
    assert page.locator("svg.chart").count() >= 3
    page.locator('[data-figure="overdue"] a').click()
    page.wait_for_url("**/disputes/queue/**")
    area = page.locator("#area")
    expect(area.locator(".count").first).to_have_text("4")
    assert area.locator(".dispute-card").count() == 4
    # And the grid table: grid2's total leads to grid2's disputes only.
    page.goto("/cockpit/")
    total = page.locator("#by-grid tbody tr").first.locator("td.n a").first
    figure = int(total.inner_text())
    total.click()
    page.wait_for_url("**/disputes/queue/**")
    assert page.locator("#area .dispute-card").count() == figure == 6
