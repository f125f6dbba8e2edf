"""Registration, tokens and /auth/me/ (docs/api.md)."""

from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import PhoneCode, User
from tests import factories

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"


def registration(**overrides) -> dict:
    return {
        "username": "wangfang",
        "password": "Qiantang-river-2026",
        "full_name": "王芳",
        "phone": "139 1234 5678",
        "email": "wangfang@example.com",
        **overrides,
    }


def test_registering_creates_an_unverified_account_and_texts_a_code(
    api, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(REGISTER, registration(), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["username"] == "wangfang" and body["full_name"] == "王芳"
    assert body["phone"] == "139****5678"
    assert body["phone_verified"] is False
    assert body["roles"] == []
    user = User.objects.get(username="wangfang")
    assert (user.phone, user.phone_verified, user.email) == ("13912345678", False, "wangfang@example.com")
    assert user.check_password("Qiantang-river-2026")
    [sms] = outbox.sms("13912345678")
    assert len(outbox.code("13912345678")) == 6
    assert outbox.code("13912345678") in sms["body"]
    # The code is stored hashed, never in clear.
    assert outbox.code("13912345678") not in PhoneCode.objects.get().code_hash


def test_no_sms_leaves_when_the_registration_is_refused(api, outbox, django_capture_on_commit_callbacks):
    factories.UserFactory(username="wangfang")
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(REGISTER, registration(), format="json")
    assert r.status_code == 400
    assert outbox.sms() == []
    assert not PhoneCode.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "a b"}, "username"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "wangfang1"}, "password"),  # too like the username
        ({"full_name": ""}, "full_name"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "010-88886666"}, "phone"),  # a landline cannot receive the code
        ({"email": "nope"}, "email"),
    ],
)
def test_invalid_registrations_are_refused_field_by_field(change, field, api):
    r = api().post(REGISTER, registration(**change), format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert field in r.json()["errors"]
    assert not User.objects.exists()


def test_a_taken_username_is_refused(api):
    factories.UserFactory(username="wangfang")
    r = api().post(REGISTER, registration(), format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"username": [r.json()["detail"]]}
    assert User.objects.count() == 1


def test_a_phone_that_belongs_to_a_verified_account_cannot_be_registered_again(api):
    factories.UserFactory(phone="13912345678", phone_verified=True)
    r = api().post(REGISTER, registration(), format="json")
    assert r.status_code == 400
    assert "phone" in r.json()["errors"]
    assert not User.objects.filter(username="wangfang").exists()


def test_a_token_is_issued_for_the_right_password(api, claimant):
    r = api().post(TOKEN, {"username": "claimant", "password": "tiaojie-test-pw"}, format="json")
    assert r.status_code == 200
    token = Token.objects.get(user=claimant)
    assert r.json() == {"token": token.key, "expires_at": (token.created + timedelta(hours=24)).isoformat()}
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    assert client.get(ME).json()["username"] == "claimant"


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "claimant", "password": "wrong"},
        {"username": "nobody", "password": "tiaojie-test-pw"},
    ],
)
def test_wrong_credentials_get_401_and_no_token(credentials, api, claimant):
    r = api().post(TOKEN, credentials, format="json")
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_failed"
    assert set(r.json()) == {"detail", "code"}
    assert not Token.objects.exists()


def test_a_deactivated_user_gets_no_token(api, claimant):
    claimant.is_active = False
    claimant.save()
    r = api().post(TOKEN, {"username": "claimant", "password": "tiaojie-test-pw"}, format="json")
    assert r.status_code == 401


def test_a_token_request_without_fields_is_invalid_input(api):
    r = api().post(TOKEN, {}, format="json")
    assert r.status_code == 400
    assert set(r.json()["errors"]) == {"username", "password"}


def test_an_unverified_user_may_sign_in(api):
    factories.UserFactory(username="newbie", phone_verified=False)
    r = api().post(TOKEN, {"username": "newbie", "password": "tiaojie-test-pw"}, format="json")
    assert r.status_code == 200 and r.json()["token"]


def test_me_describes_the_caller_and_their_roles(api, grid_worker, regions):
    r = api(grid_worker).get(ME)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "id",
        "username",
        "full_name",
        "phone",
        "phone_verified",
        "language",
        "large_text",
        "roles",
    }
    assert (body["id"], body["full_name"], body["phone_verified"]) == (grid_worker.pk, "赵网格", True)
    assert body["roles"] == [
        {"role": "grid_worker", "region": {"id": regions["grid1"].pk, "name": "宝石一网格", "kind": "grid"}}
    ]


@pytest.mark.parametrize("header", [None, "Token not-a-real-token", "Bearer abc", "Token "])
def test_me_without_valid_credentials_is_401_with_the_error_envelope(header, api):
    client = api()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    r = client.get(ME)
    assert r.status_code == 401
    assert set(r.json()) == {"detail", "code"}
    assert r.json()["code"] in ("not_authenticated", "authentication_failed")
    assert r["WWW-Authenticate"].startswith("Token")


def test_sign_in_attempts_are_rate_limited(api, claimant, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "filing": "1000/min"})
    for _ in range(3):
        assert (
            api().post(TOKEN, {"username": "claimant", "password": "guess"}, format="json").status_code == 401
        )
    r = api().post(TOKEN, {"username": "claimant", "password": "tiaojie-test-pw"}, format="json")
    assert r.status_code == 429
    assert r.json()["code"] == "throttled"
    assert "token" not in r.json()
    cache.clear()
