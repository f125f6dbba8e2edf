"""Risk alerts and trend charts on the cockpit, in the browser: accessible in both languages,
an alert followed to the disputes behind it."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from disputes.reports import alerts
from tests.cockpit import risky

from .axe import assert_accessible
from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def risks(regions, claimant, street_handler):
    world = risky.build(regions, claimant)
    alerts.evaluate()
    return world


def test_the_cockpit_with_alerts_and_charts_is_accessible(new_page, risks, street_handler):
    page = new_page()
    sign_in(page, "street_handler")
    page.goto("/cockpit/")
    expect(page.locator("#risk-alerts .risk-alert")).to_have_count(2)
    assert page.locator("svg.trend-chart").count() == 2
    page.locator("[data-trend=week] details summary").click()
    assert_accessible(page)
    # The alert's link lists the disputes behind it.
    page.locator("#risk-alerts .risk-rise a").click()
    page.wait_for_url("**/cockpit/alerts/**")
    expect(page.locator("#alert-disputes tbody tr")).to_have_count(5)
    assert_accessible(page)


def test_the_charts_in_english(new_page, risks, street_handler):
    page = new_page()
    sign_in(page, "street_handler")
    street_handler.language = "en"
    street_handler.save(update_fields=["language"])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": page.url}])
    page.goto("/cockpit/")
    expect(page.locator("#trend-week-t")).to_have_text("Filings per week")
    assert_accessible(page)
