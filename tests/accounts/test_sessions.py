"""How long a sign-in lasts: sessions and API tokens (docs/security.md)."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MINE = "/disputes/"
ME = "/api/v1/auth/me/"
TOKEN = "/api/v1/auth/token/"
LOGOUT_API = "/api/v1/auth/logout/"
PASSWORD = "tiaojie-test-pw"


def sign_in(client: Client) -> None:
    assert client.post(LOGIN, {"username": "claimant", "password": PASSWORD}).status_code == 302


def shift(client: Client, **ago) -> None:
    """Move the session's stamps back in time: auth_at=seconds, seen_at=seconds."""
    session = client.session
    for key, seconds in ago.items():
        session[key] = time.time() - seconds
    session.save()


def test_the_session_key_changes_at_sign_in(claimant):
    client = Client()
    before = client.session
    before["visited"] = True
    before.save()
    old_key = before.session_key
    client.cookies["sessionid"] = old_key
    sign_in(client)
    new_key = client.cookies["sessionid"].value
    assert new_key != old_key
    assert not SessionStore().exists(old_key)
    assert client.get(MINE).status_code == 200


def test_a_session_idle_for_30_minutes_is_signed_out(claimant):
    client = Client()
    sign_in(client)
    shift(client, seen_at=30 * 60 + 1)
    r = client.get(MINE)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert client.get(ME).status_code in (401, 403)


def test_a_session_used_within_30_minutes_stays_and_its_idle_clock_restarts(claimant):
    client = Client()
    sign_in(client)
    shift(client, seen_at=29 * 60)
    assert client.get(MINE).status_code == 200
    assert time.time() - client.session["seen_at"] < 5
    assert client.get(MINE).status_code == 200


def test_a_busy_session_still_ends_12_hours_after_sign_in(claimant):
    client = Client()
    sign_in(client)
    shift(client, auth_at=12 * 3600 + 1, seen_at=10)
    assert client.get(MINE).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_signed_in_before_stamping_is_ended(claimant):
    client = Client()
    client.force_login(claimant)
    session = client.session
    del session["auth_at"]
    session.save()
    assert client.get(MINE).status_code == 302


def test_session_expires_at_is_the_earlier_of_the_two_limits():
    from accounts import sessions

    now = time.time()
    ends = sessions.session_expires_at({"auth_at": now - 3600, "seen_at": now})
    assert abs(ends.timestamp() - (now + 30 * 60)) < 1
    ends = sessions.session_expires_at({"auth_at": now - 12 * 3600 + 60, "seen_at": now})
    assert abs(ends.timestamp() - (now + 60)) < 1
    assert sessions.session_expires_at({}) is None


def test_the_cookie_lasts_no_longer_than_12_hours(claimant):
    client = Client()
    sign_in(client)
    assert client.cookies["sessionid"]["max-age"] == 12 * 3600


def token_for(user, age: timedelta) -> str:
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - age)
    return token.key


def test_a_token_answers_for_24_hours_then_is_refused_and_deleted(claimant):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(claimant, timedelta(hours=23, minutes=59))}")
    assert client.get(ME).status_code == 200
    Token.objects.update(created=timezone.now() - timedelta(hours=24, seconds=1))
    r = client.get(ME)
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_failed"
    assert not Token.objects.exists()


def test_signing_in_again_replaces_an_expired_token(claimant):
    old = token_for(claimant, timedelta(hours=25))
    r = APIClient().post(TOKEN, {"username": "claimant", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    assert r.json()["token"] != old
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    assert client.get(ME).status_code == 200


def test_logout_through_the_api_revokes_the_token(claimant):
    key = (
        APIClient().post(TOKEN, {"username": "claimant", "password": PASSWORD}, format="json").json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post(LOGOUT_API).status_code == 204
    r = client.get(ME)
    assert r.status_code == 401
    assert not Token.objects.filter(key=key).exists()


def test_logout_through_the_api_ends_a_cookie_session(claimant):
    client = APIClient()
    client.force_login(claimant)
    assert client.get(ME).status_code == 200
    assert client.post(LOGOUT_API).status_code == 204
    assert client.get(ME).status_code in (401, 403)


def test_logout_on_the_page_revokes_the_api_token(claimant):
    key = token_for(claimant, timedelta(0))
    client = Client()
    sign_in(client)
    assert client.post("/accounts/logout/").status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(ME).status_code == 401


def test_a_timed_out_session_revokes_the_api_token_too(claimant):
    key = token_for(claimant, timedelta(0))
    client = Client()
    sign_in(client)
    shift(client, seen_at=31 * 60)
    client.get(MINE)
    assert not Token.objects.filter(key=key).exists()
