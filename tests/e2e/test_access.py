"""Pages the elderly can use, in the browser (docs/features/accessibility.md): no serious or
critical axe violations on the main pages in both languages, the large-text switch, and the
read-aloud button through the browser's speech synthesis."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User
from mediation.models import Room

from .axe import violations
from .conftest import PHONE, fits_width, sign_in

pytestmark = pytest.mark.e2e

# Records what the page asks the speech synthesis to say, and cancels, without a voice.
SPEECH_RECORDER = """
window.__spoken = []; window.__cancels = 0;
const realSpeak = window.speechSynthesis.speak.bind(window.speechSynthesis);
window.speechSynthesis.speak = (u) => { window.__spoken.push({text: u.text, lang: u.lang}); };
const realCancel = window.speechSynthesis.cancel.bind(window.speechSynthesis);
window.speechSynthesis.cancel = () => { window.__cancels += 1; realCancel(); };
"""


def english(page) -> None:
    """Switch the pages to English with the header's language buttons."""
    page.locator(".lang-switch button[lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def check(page, where: str) -> None:
    found = violations(page)
    assert not found, (where, found)


def font_size(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p, main h1')).fontSize)")


def test_home_and_filing_have_no_serious_violations_in_both_languages(new_page, claimant):
    page = new_page()
    page.goto("/")
    check(page, "home zh")
    english(page)
    check(page, "home en")
    sign_in_page = new_page()
    sign_in(sign_in_page, "claimant")
    sign_in_page.goto("/disputes/new/")
    check(sign_in_page, "filing zh")
    sign_in_page.goto("/notifications/")
    check(sign_in_page, "inbox zh")


def test_dispute_page_as_a_party_and_as_the_grid_worker(new_page, dispute, claimant, grid_worker):
    party = new_page()
    sign_in(party, "claimant")
    party.goto(f"/disputes/{dispute.pk}/")
    check(party, "dispute zh, party")
    english(party)
    check(party, "dispute en, party")
    worker = new_page()
    sign_in(worker, "grid_worker")
    worker.goto(f"/disputes/{dispute.pk}/")
    check(worker, "dispute zh, grid worker")


def test_chat_and_cockpit_have_no_serious_violations(new_page, dispute, advance, street_handler):
    advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, party="")
    page = new_page()
    sign_in(page, "claimant")
    page.goto(f"/mediation/rooms/{joint.pk}/")
    check(page, "chat zh")
    staff = new_page()
    sign_in(staff, "street_handler")
    staff.goto("/cockpit/")
    check(staff, "cockpit zh")
    staff.goto("/disputes/queue/")
    check(staff, "queue zh")


def test_large_text_grows_the_page_stays_on_reload_and_follows_the_user(new_page, dispute, claimant):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "claimant")
    page.goto(f"/disputes/{dispute.pk}/")
    switch = page.locator("form[data-text-size] button")
    expect(switch).to_have_attribute("aria-pressed", "false")
    before = font_size(page)
    url = page.url
    switch.click()
    # No reload: the script posts the form and sets the class.
    expect(page.locator("html")).to_have_class("large-text")
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert page.url == url
    assert font_size(page) >= before * 1.2
    assert fits_width(page)
    check(page, "dispute in large text")
    page.reload()
    expect(page.locator("html")).to_have_class("large-text")
    assert font_size(page) >= before * 1.2
    claimant.refresh_from_db()
    assert claimant.large_text is True
    # Another browser, signed in again: still large, at 390 px nothing sticks out sideways.
    other = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(other, "claimant")
    for path in ("/disputes/", "/disputes/new/", "/notifications/", f"/disputes/{dispute.pk}/"):
        other.goto(path)
        expect(other.locator("html")).to_have_class("large-text")
        assert fits_width(other), path
    # And off again.
    other.locator("form[data-text-size] button").click()
    expect(other.locator("html")).not_to_have_class("large-text")
    assert User.objects.get(pk=claimant.pk).large_text is False


def test_large_text_works_without_javascript_for_a_visitor(new_page):
    page = new_page(java_script_enabled=False, viewport=PHONE)
    page.goto("/accounts/login/")
    page.locator("form[data-text-size] button").click()
    page.wait_for_url("**/accounts/login/")
    assert page.locator("html").get_attribute("class") == "large-text"
    page.goto("/")
    assert page.locator("html").get_attribute("class") == "large-text"
    assert fits_width(page)
    # English words are longer: the header still fits.
    page.locator(".lang-switch button[lang=en]").click()
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("html").get_attribute("class") == "large-text"
    assert fits_width(page)


def test_read_aloud_speaks_the_dispute_summary_in_the_pages_language(new_page, dispute, claimant):
    page = new_page()
    page.add_init_script(SPEECH_RECORDER)
    sign_in(page, "claimant")
    page.goto(f"/disputes/{dispute.pk}/")
    button = page.locator("button.read-aloud")
    expect(button).to_be_visible()
    expect(button).to_have_text("朗读")
    button.click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "zh-CN"
    text = spoken[0]["text"]
    assert dispute.title in text and "已提交" in text and "您现在可以" in text, text
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("停止朗读")
    cancels = page.evaluate("window.__cancels")
    button.click()  # the second press stops
    assert page.evaluate("window.__cancels") == cancels + 1
    assert len(page.evaluate("window.__spoken")) == 1
    expect(button).to_have_attribute("aria-pressed", "false")
    # In English, the same button speaks English.
    english(page)
    page.locator("button.read-aloud").click()
    spoken = page.evaluate("window.__spoken")
    assert spoken[-1]["lang"] == "en-US"
    assert dispute.title in spoken[-1]["text"] and "State: Filed" in spoken[-1]["text"], spoken[-1]


def test_read_aloud_reads_a_notice_and_is_hidden_without_speech(new_page, dispute, advance, claimant):
    advance(dispute, "awaiting_response")  # the claimant is told the filing was accepted
    page = new_page()
    page.add_init_script(SPEECH_RECORDER)
    sign_in(page, "claimant")
    page.goto("/notifications/")
    check(page, "inbox with an unread notice")
    first = page.locator("#notification-list li.notification").first
    title = first.locator(".notification-title").inner_text()
    body = first.locator("p[data-read]").inner_text()
    first.locator("button.read-aloud").click()
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and spoken[0]["lang"] == "zh-CN"
    assert title in spoken[0]["text"] and body[:20] in spoken[0]["text"], spoken
    # A browser without speech synthesis shows no button.
    bare = new_page()
    bare.add_init_script("delete window.speechSynthesis; delete Window.prototype.speechSynthesis;")
    sign_in(bare, "claimant")
    bare.goto(f"/disputes/{dispute.pk}/")
    assert bare.evaluate("'speechSynthesis' in window") is False
    expect(bare.locator("button.read-aloud")).to_be_hidden()


def test_staff_pages_and_chat_fit_a_phone_in_large_text(new_page, dispute, advance, claimant, street_handler):
    advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, party="")
    User.objects.filter(pk__in=[claimant.pk, street_handler.pk]).update(large_text=True)
    party = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(party, "claimant")
    party.goto(f"/mediation/rooms/{joint.pk}/")
    expect(party.locator("html")).to_have_class("large-text")
    assert fits_width(party), "chat"
    check(party, "chat in large text")
    staff = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(staff, "street_handler")
    for path in ("/cockpit/", "/disputes/queue/", f"/disputes/{dispute.pk}/"):
        staff.goto(path)
        expect(staff.locator("html")).to_have_class("large-text")
        assert fits_width(staff), path
        check(staff, f"{path} in large text")
    english(staff)
    for path in ("/cockpit/", "/disputes/queue/", f"/disputes/{dispute.pk}/"):
        staff.goto(path)
        assert fits_width(staff), f"{path} in English"


def test_the_keyboard_reaches_the_skip_link_and_the_switch(new_page):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # From the top again: the brand, then the large-text switch, pressed with the keyboard.
    page.goto("/")
    for _ in range(3):
        page.keyboard.press("Tab")
    switch = page.locator("form[data-text-size] button")
    expect(switch).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_class("large-text")
    expect(switch).to_have_attribute("aria-pressed", "true")
