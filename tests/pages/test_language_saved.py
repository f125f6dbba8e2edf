import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_switching_language_is_remembered_for_the_signed_in_user(claimant):
    client = Client()
    client.force_login(claimant)
    r = client.post("/accounts/language/", {"language": "en", "next": "/disputes/"})
    assert r.status_code == 302
    claimant.refresh_from_db()
    assert claimant.language == "en"
    fresh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    fresh.force_login(claimant)
    assert "My disputes" in fresh.get("/disputes/").content.decode()


def test_an_unknown_language_changes_nothing(claimant):
    client = Client()
    client.force_login(claimant)
    client.post("/accounts/language/", {"language": "xx", "next": "/"})
    claimant.refresh_from_db()
    assert claimant.language == "zh-hans"
