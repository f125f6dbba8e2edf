"""The "large text" switch (docs/features/accessibility.md): remembered on the user, in a cookie
for an anonymous visitor, applied on the server; the plain form post goes back safely."""

import pytest
from django.test import Client

from accounts.text_size import COOKIE

pytestmark = pytest.mark.django_db
URL = "/accounts/text-size/"
ME = "/api/v1/auth/me/"


def html_tag(response) -> str:
    page = response.content.decode()
    return page[page.index("<html") : page.index(">", page.index("<html")) + 1]


def test_a_signed_in_users_choice_is_stored_and_follows_them_to_another_browser(claimant):
    client = Client()
    client.force_login(claimant)
    assert 'class="large-text"' not in html_tag(client.get("/disputes/"))
    r = client.post(URL, {"large_text": "1", "next": "/disputes/"})
    assert r.status_code == 302 and r["Location"] == "/disputes/"
    claimant.refresh_from_db()
    assert claimant.large_text is True
    # Another device, no cookie: the page is still in large text, from the first byte.
    other = Client()
    other.force_login(claimant)
    assert 'class="large-text"' in html_tag(other.get("/disputes/"))
    # The switch on the page now offers to turn it off, and says it is on.
    page = other.get("/disputes/").content.decode()
    assert 'name="large_text" value="0"' in page and 'aria-pressed="true"' in page
    other.post(URL, {"large_text": "0", "next": "/"})
    claimant.refresh_from_db()
    assert claimant.large_text is False
    assert 'class="large-text"' not in html_tag(client.get("/disputes/"))


def test_an_anonymous_visitors_choice_lives_in_a_cookie(claimant):
    client = Client()
    r = client.post(URL, {"large_text": "1", "next": "/accounts/login/"})
    assert r.status_code == 302 and r["Location"] == "/accounts/login/"
    assert r.cookies[COOKIE].value == "1" and r.cookies[COOKIE]["httponly"]
    assert 'class="large-text"' in html_tag(client.get("/"))
    client.post(URL, {"large_text": "0"})
    assert 'class="large-text"' not in html_tag(client.get("/"))
    # A signed-in user's own setting wins over a cookie left on the device.
    client.cookies[COOKIE] = "1"
    client.force_login(claimant)
    assert 'class="large-text"' not in html_tag(client.get("/disputes/"))


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "http://evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_the_form_never_sends_the_visitor_to_another_site(target):
    r = Client().post(URL, {"large_text": "1", "next": target}, HTTP_REFERER=target)
    assert r.status_code == 302 and r["Location"] == "/"


def test_a_relative_next_is_followed_as_a_path_not_a_route_name():
    r = Client().post(URL, {"large_text": "0", "next": "0"})
    assert r.status_code == 302 and r["Location"] == "0"


def test_without_next_it_goes_back_to_the_page_it_came_from():
    r = Client().post(URL, {"large_text": "1"}, HTTP_REFERER="http://testserver/disputes/new/")
    assert r["Location"] == "http://testserver/disputes/new/"


@pytest.mark.parametrize("value", ["", "2", "true", "on", "1" * 5000, "１"])
def test_a_bad_value_is_a_400_and_changes_nothing(claimant, value):
    client = Client()
    client.force_login(claimant)
    r = client.post(URL, {"large_text": value, "next": "/"})
    assert r.status_code == 400 and COOKIE not in r.cookies
    claimant.refresh_from_db()
    assert claimant.large_text is False
    r = client.post(URL, {"large_text": value}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid" and "large_text" in r.json()["errors"]


def test_the_script_gets_json_and_no_redirect(claimant):
    client = Client()
    client.force_login(claimant)
    r = client.post(URL, {"large_text": "1", "next": "/"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json() == {"large_text": True}
    claimant.refresh_from_db()
    assert claimant.large_text is True


def test_get_is_refused():
    assert Client().get(URL).status_code == 405


def test_the_switch_works_before_the_privacy_notice_is_accepted(claimant):
    claimant.privacy_notice_version = ""
    claimant.save(update_fields=["privacy_notice_version"])
    client = Client()
    client.force_login(claimant)
    r = client.post(URL, {"large_text": "1", "next": "/privacy/"})
    assert r.status_code == 302 and r["Location"] == "/privacy/"
    claimant.refresh_from_db()
    assert claimant.large_text is True


def test_the_api_reads_and_changes_the_setting(api, claimant):
    assert api(claimant).get(ME).json()["large_text"] is False
    r = api(claimant).patch(ME, {"large_text": True}, format="json")
    assert r.status_code == 200 and r.json()["large_text"] is True
    claimant.refresh_from_db()
    assert claimant.large_text is True
    # An empty change changes nothing; the other keys stay as GET gives them.
    r = api(claimant).patch(ME, {}, format="json")
    assert r.status_code == 200 and r.json() == api(claimant).get(ME).json()


@pytest.mark.parametrize("value", ["yes", 1, None, "true", [True]])
def test_the_api_refuses_anything_but_true_or_false(api, claimant, value):
    r = api(claimant).patch(ME, {"large_text": value}, format="json")
    assert r.status_code == 400 and "large_text" in r.json()["errors"]
    claimant.refresh_from_db()
    assert claimant.large_text is False


def test_the_api_needs_a_signed_in_caller(api):
    assert api().patch(ME, {"large_text": True}, format="json").status_code == 401
