"""The privacy notice: its page and API, acceptance at sign-up, asked again when it changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import PrivacyAcceptance, User
from core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
NOTICE_API = "/api/v1/privacy-notice/"
ACCEPT_API = "/api/v1/privacy-notice/accept/"
NEW_USER = {
    "username": "xiaohong",
    "password": "mediate-me-2026",
    "full_name": "陈小红",
    "phone": "13912340077",
}


def test_the_notice_is_public_in_both_languages(client):
    zh = client.get("/privacy/").content.decode()
    assert "隐私告知" in zh and "2026-12" in zh and "谁能看到您的信息" in zh and "privacy@tiaojie.local" in zh
    en = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Privacy notice" in en and "Who sees what" in en and "How long it is kept" in en
    assert 'name="accept"' not in zh  # nothing to accept for a visitor


def test_the_api_serves_version_page_and_text(api):
    body = api().get(NOTICE_API, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["version"] == "2026-12" and body["language"] == "en"
    assert body["url"].endswith("/privacy/") and "Your rights" in body["html"]
    assert "accepted" not in body  # anonymous: nothing about anyone
    assert "您的权利" in api().get(NOTICE_API).json()["html"]


def test_web_sign_up_requires_the_box_and_records_the_acceptance(client, django_capture_on_commit_callbacks):
    form = {**NEW_USER, "phone": "139 1234 0077", "email": ""}
    refused = client.post(reverse("accounts:signup"), form)
    assert refused.status_code == 200 and "请同意隐私告知后再注册账号" in refused.content.decode()
    assert not User.objects.filter(username="xiaohong").exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("accounts:signup"), {**form, "privacy_notice": "on"})
    assert done.status_code == 302
    user = User.objects.get(username="xiaohong")
    assert user.privacy_notice_version == "2026-12"
    assert list(PrivacyAcceptance.objects.filter(user=user).values_list("version", "via")) == [
        ("2026-12", "sign_up")
    ]
    entry = AuditEntry.objects.get(action="account", actor_id=user.pk)
    assert entry.data == {"event": "privacy_accepted", "version": "2026-12", "via": "sign_up"}


def test_api_register_without_the_field_still_works_and_records_nothing(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(REGISTER, NEW_USER, format="json")
    assert r.status_code == 201
    user = User.objects.get(username="xiaohong")
    assert user.privacy_notice_version == "" and not PrivacyAcceptance.objects.filter(user=user).exists()


def test_api_register_with_the_current_version_records_it(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(REGISTER, {**NEW_USER, "privacy_notice": "2026-12"}, format="json")
    assert r.status_code == 201
    user = User.objects.get(username="xiaohong")
    assert PrivacyAcceptance.objects.get(user=user).via == "api"


def test_api_register_with_another_version_is_refused_and_creates_nothing(api):
    r = api().post(REGISTER, {**NEW_USER, "privacy_notice": "2025-01"}, format="json")
    assert r.status_code == 400 and "privacy_notice" in r.json()["errors"]
    assert not User.objects.filter(username="xiaohong").exists()


def test_an_api_client_accepts_later(api):
    user = factories.UserFactory(privacy_notice_version="")
    assert api(user).get(NOTICE_API).json()["needs_acceptance"] is True
    wrong = api(user).post(ACCEPT_API, {"version": "2020-01"}, format="json")
    assert wrong.status_code == 400
    r = api(user).post(ACCEPT_API, {"version": "2026-12"}, format="json")
    assert r.json() == {"current": "2026-12", "accepted": "2026-12", "needs_acceptance": False}
    again = api(user).post(ACCEPT_API, {"version": "2026-12"}, format="json")
    assert again.status_code == 200 and PrivacyAcceptance.objects.filter(user=user).count() == 1


def test_the_api_is_not_held_up_by_a_missing_acceptance(api):
    user = factories.UserFactory(privacy_notice_version="")
    assert api(user).get("/api/v1/auth/me/").status_code == 200


def test_a_user_without_acceptance_is_asked_before_any_page(client):
    user = factories.UserFactory(privacy_notice_version="")
    client.force_login(user)
    r = client.get("/disputes/?page=1")
    assert r.status_code == 302 and r.url == "/privacy/?next=%2Fdisputes%2F%3Fpage%3D1"
    page = client.get(r.url).content.decode()
    assert 'name="accept"' in page and "2026-12" in page
    # The notice page, signing out and static files stay reachable.
    assert client.get("/static/css/site.css").status_code == 200
    # Without the box ticked nothing is recorded and the pages stay closed.
    client.post("/privacy/", {"version": "2026-12", "next": "/disputes/"})
    assert client.get("/disputes/").status_code == 302
    done = client.post("/privacy/", {"version": "2026-12", "accept": "on", "next": "/disputes/?page=1"})
    assert done.status_code == 302 and done.url == "/disputes/?page=1"
    assert client.get("/disputes/").status_code == 200
    assert PrivacyAcceptance.objects.get(user=user).via == "page"
    assert AuditEntry.objects.filter(action="account", actor_id=user.pk).count() == 1


def test_a_newer_version_asks_again_and_names_the_old_one(client, settings, tmp_path):
    user = factories.UserFactory()  # accepted 2026-12
    client.force_login(user)
    assert client.get("/disputes/").status_code == 200
    # A new version: its text in a template of its own.
    folder = tmp_path / "accounts" / "privacy"
    folder.mkdir(parents=True)
    for lang in ("zh-hans", "en"):
        (folder / f"notice_2027-06_{lang}.html").write_text("<p>New text {{ version }}</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    settings.PRIVACY_NOTICE_VERSION = "2027-06"
    r = client.get("/disputes/")
    assert r.status_code == 302 and r.url.startswith("/privacy/")
    page = client.get(r.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "New text 2027-06" in page and "2026-12" in page  # "since you accepted version 2026-12"
    # A form left open on the old version does not count for the new one.
    client.post("/privacy/", {"version": "2026-12", "accept": "on"})
    assert client.get("/disputes/").status_code == 302
    client.post("/privacy/", {"version": "2027-06", "accept": "on"})
    assert client.get("/disputes/").status_code == 200
    assert list(PrivacyAcceptance.objects.filter(user=user).values_list("version", flat=True)) == ["2027-06"]


def test_the_next_address_cannot_leave_the_site(client):
    client.force_login(factories.UserFactory(privacy_notice_version=""))
    r = client.post("/privacy/", {"version": "2026-12", "accept": "on", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == reverse("disputes:mine")


def test_an_anonymous_post_goes_to_sign_in(client):
    r = client.post("/privacy/", {"version": "2026-12", "accept": "on"})
    assert r.status_code == 302 and r.url.startswith(reverse("accounts:login"))
    assert not PrivacyAcceptance.objects.exists()
