"""Sign-in lockouts and throttles that a forged X-Forwarded-For cannot dodge (docs/security.md)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
REGISTER = "/api/v1/auth/register/"
PASSWORD = "tiaojie-test-pw"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_page_locks_an_account_after_5_wrong_passwords(claimant):
    client = Client()
    codes = [
        client.post(LOGIN, {"username": "claimant", "password": f"guess{i}"}).status_code for i in range(100)
    ]
    assert codes[:4] == [200] * 4
    assert set(codes[4:]) == {429}
    r = client.post(LOGIN, {"username": "claimant", "password": PASSWORD})
    assert r.status_code == 429
    assert r["Retry-After"] == "900"
    assert "15" in r.content.decode()
    assert not signed_in(client)


def test_the_account_stays_locked_from_another_address(claimant):
    for i in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{i}").post(LOGIN, {"username": "claimant", "password": "guess"})
    fresh = Client(REMOTE_ADDR="10.9.9.9")
    assert fresh.post(LOGIN, {"username": "claimant", "password": PASSWORD}).status_code == 429
    assert not signed_in(fresh)


def test_one_address_trying_many_accounts_is_locked(claimant):
    client = Client(REMOTE_ADDR="10.1.1.1")
    for i in range(5):
        client.post(LOGIN, {"username": f"user{i}", "password": "guess"})
    assert client.post(LOGIN, {"username": "claimant", "password": PASSWORD}).status_code == 429
    # Another address may still sign in to the account.
    other = Client(REMOTE_ADDR="10.2.2.2")
    assert other.post(LOGIN, {"username": "claimant", "password": PASSWORD}).status_code == 302
    assert signed_in(other)


def test_a_forged_x_forwarded_for_does_not_give_fresh_attempts(claimant):
    client = Client()
    for i in range(5):
        client.post(
            LOGIN, {"username": f"user{i}", "password": "guess"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        )
    r = client.post(
        LOGIN, {"username": "claimant", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert r.status_code == 429


def test_the_right_password_works_again_after_the_15_minute_cool_off(claimant):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "claimant", "password": "guess"})
    assert client.post(LOGIN, {"username": "claimant", "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert client.post(LOGIN, {"username": "claimant", "password": PASSWORD}).status_code == 302
    assert signed_in(client)


def test_the_admin_login_is_locked_too():
    factories.UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(5):
        client.post(ADMIN_LOGIN, {"username": "boss", "password": "guess"})
    r = client.post(ADMIN_LOGIN, {"username": "boss", "password": PASSWORD})
    assert r.status_code == 429
    assert not signed_in(client)


def test_the_token_endpoint_locks_out_despite_a_new_x_forwarded_for_each_time(claimant):
    client = APIClient()
    codes = [
        client.post(
            TOKEN,
            {"username": "claimant", "password": "guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        ).status_code
        for i in range(60)
    ]
    assert codes[:4] == [401] * 4
    assert set(codes[4:]) == {429}
    r = client.post(TOKEN, {"username": "claimant", "password": PASSWORD}, format="json")
    assert r.status_code == 429
    assert r.json() == {"detail": r.json()["detail"], "code": "locked_out"}
    assert r["Retry-After"] == "900"
    assert not Token.objects.exists()


def test_the_api_throttle_ignores_x_forwarded_for_without_a_proxy(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "filing": "1000/min"})
    codes = [
        APIClient().post(REGISTER, {}, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]


def test_behind_a_configured_proxy_the_client_is_the_address_it_saw(rf, settings):
    from accounts.lockout import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"  # the forged left-most entry is never taken
    settings.PROXY_COUNT = 2
    assert client_ip(request) == "1.1.1.1"


def test_a_missing_or_malformed_address_is_no_address(rf, settings, claimant):
    from accounts.lockout import client_ip

    settings.PROXY_COUNT = 1
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address")) is None
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="2001:db8::1")) == "2001:db8::1"
    settings.PROXY_COUNT = 0
    assert client_ip(rf.get("/", REMOTE_ADDR="")) is None
    # Signing in without an address (in-process, or a proxy sending junk) still works: on
    # PostgreSQL django-axes' IP column refused the junk with an error.
    Client().force_login(claimant)
    settings.PROXY_COUNT = 1
    r = Client().post(LOGIN, {"username": "claimant", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="junk")
    assert r.status_code == 302


def test_the_signup_and_code_pages_are_limited_per_address(settings):
    settings.PAGE_AUTH_LIMIT = 3
    client = Client()
    codes = [
        client.post("/accounts/verify/", {"phone": "13800138000", "code": "000000"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert Client(REMOTE_ADDR="10.3.3.3").post("/accounts/verify/", {"phone": "x"}).status_code == 200
    signup = [Client().post("/accounts/signup/", {"username": "x"}).status_code for _ in range(4)]
    assert signup == [200, 200, 200, 429]


def test_fresh_codes_do_not_buy_more_than_10_wrong_guesses_an_hour(
    api, outbox, django_capture_on_commit_callbacks
):
    from accounts.models import PhoneCode, User

    phone = "13912345678"
    with django_capture_on_commit_callbacks(execute=True):
        api().post(
            REGISTER,
            {"username": "wangfang", "password": "Qiantang-river-2026", "full_name": "王芳", "phone": phone},
            format="json",
        )
    for _round in range(2):
        for _ in range(5):
            r = api().post("/api/v1/auth/verify-phone/", {"phone": phone, "code": "000000"}, format="json")
            assert r.status_code == 400
        # A minute later the resident asks for a fresh code (the 60 s interval has passed).
        PhoneCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                api()
                .post("/api/v1/auth/send-code/", {"username": "wangfang", "phone": phone}, format="json")
                .status_code
                == 200
            )
    r = api().post("/api/v1/auth/verify-phone/", {"phone": phone, "code": outbox.code(phone)}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_code"
    assert not User.objects.get(username="wangfang").phone_verified
    # An hour after those guesses the right code works again.
    PhoneCode.objects.exclude(used_at=None).update(created_at=timezone.now() - timedelta(hours=1, minutes=1))
    r = api().post("/api/v1/auth/verify-phone/", {"phone": phone, "code": outbox.code(phone)}, format="json")
    assert r.status_code == 200, r.json()
