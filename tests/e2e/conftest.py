"""Browser fixtures: Debian's chromium driven by Playwright's sync API against live_server.

Run on their own: DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest tests/e2e
(Playwright's sync API keeps an event loop running in the test thread, so Django's ORM
calls in the tests need the flag; other suites must not run with it.)
"""

from __future__ import annotations

import importlib
import json
import os
import re

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from disputes.models import Category

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
    # Chromium's fake camera and microphone, granted without a prompt (voice notes, calls).
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}
PASSWORD = "tiaojie-test-pw"


@pytest.fixture(scope="session")
def browser():
    """One chromium for the session (overrides pytest-playwright's fixture of the same name)."""
    if not os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"):
        pytest.skip("browser tests run on their own: DJANGO_ALLOW_ASYNC_UNSAFE=true pytest tests/e2e")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def page_maker(browser, base_url: str):
    """make(**context_options) → a page in a fresh context (own cookies), Chinese by default.

    A generator for fixtures: it closes every context it made when the test ends.
    """
    contexts = []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(browser, live_server):
    yield from page_maker(browser, live_server.url)


@pytest.fixture(autouse=True)
def categories(transactional_db):
    """The data migration's categories: transactional tests flush every table after each test."""
    migration = importlib.import_module("disputes.migrations.0002_categories")
    for position, (slug, name, name_en) in enumerate(migration.CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "position": position}
        )


@pytest.fixture(autouse=True)
def own_outbox(settings, tmp_path):
    """Each test reads only the SMS it caused (the live server runs in this process)."""
    settings.OUTBOX_DIR = tmp_path / "outbox"


def sms_code(phone: str) -> str:
    """The code in the newest SMS sent to `phone` (settings.OUTBOX_DIR/sms/*.json)."""
    messages = [
        json.loads(f.read_text(encoding="utf-8")) for f in (settings.OUTBOX_DIR / "sms").glob("*.json")
    ]
    mine = sorted((m for m in messages if m["to"] == phone), key=lambda m: m["sent_at"])
    assert mine, f"no SMS was sent to {phone}"
    return re.search(r"\d{6}", mine[-1]["body"]).group(0)


def sign_up_and_verify(page, *, username: str, full_name: str, phone: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_full_name", full_name)
    page.fill("#id_phone", phone)
    page.check("#id_privacy_notice")
    page.get_by_role("button", name="注册并发送验证码").click()
    page.wait_for_url("**/accounts/verify/")
    page.fill("#id_code", sms_code(phone))
    page.get_by_role("button", name="验证", exact=True).click()
    page.wait_for_url("**/disputes/")


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    # Each role lands on its own work (accounts.roles.landing_url): anywhere but the login page.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def fits_width(page) -> bool:
    """Nothing sticks out sideways (no horizontal scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
