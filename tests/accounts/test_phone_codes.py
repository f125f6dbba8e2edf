"""SMS codes: 6 digits, valid 10 minutes, single use, limited attempts, rate limited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import PhoneCode, User
from accounts.services import send_phone_code
from tests import factories

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
REGISTER = "/api/v1/auth/register/"
VERIFY = "/api/v1/auth/verify-phone/"
SEND = "/api/v1/auth/send-code/"


@pytest.fixture
def clock(monkeypatch):
    """clock.advance(**delta) moves "now" forward for everything that asks Django for the time."""
    real_now = timezone.now

    class Clock:
        offset = timedelta()

        def advance(self, **delta) -> None:
            self.offset += timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + clock.offset)
    return clock


@pytest.fixture
def registered(api, outbox, django_capture_on_commit_callbacks):
    """Someone registered with PHONE and holding the code texted to it."""
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(
            REGISTER,
            {"username": "wangfang", "password": "Qiantang-river-2026", "full_name": "王芳", "phone": PHONE},
            format="json",
        )
    assert r.status_code == 201
    return User.objects.get(username="wangfang")


def verify(api, code: str, phone: str = PHONE):
    return api().post(VERIFY, {"phone": phone, "code": code}, format="json")


def resend(api, django_capture_on_commit_callbacks, phone: str = PHONE, username: str = "wangfang"):
    with django_capture_on_commit_callbacks(execute=True):
        return api().post(SEND, {"username": username, "phone": phone}, format="json")


def is_verified(user: User) -> bool:
    user.refresh_from_db()
    return user.phone_verified


def test_the_texted_code_verifies_the_phone(registered, api, outbox):
    r = verify(api, outbox.code(PHONE))
    assert r.status_code == 200, r.json()
    assert r.json()["phone_verified"] is True
    assert r.json()["username"] == "wangfang"
    assert is_verified(registered)


def test_a_code_works_once(registered, api, outbox):
    code = outbox.code(PHONE)
    assert verify(api, code).status_code == 200
    r = verify(api, code)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_code"
    assert "code" in r.json()["errors"]


def test_a_wrong_code_is_refused_and_the_phone_stays_unverified(registered, api, outbox):
    right = outbox.code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    r = verify(api, wrong)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_code"
    assert not is_verified(registered)
    assert verify(api, right).status_code == 200


def test_after_five_wrong_guesses_even_the_right_code_is_refused(registered, api, outbox):
    right = outbox.code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        assert verify(api, wrong).status_code == 400
    assert verify(api, right).status_code == 400
    assert not is_verified(registered)


def test_a_code_is_valid_for_ten_minutes(registered, api, outbox, clock):
    clock.advance(minutes=9, seconds=50)
    assert verify(api, outbox.code(PHONE)).status_code == 200


def test_a_code_expires_after_ten_minutes(registered, api, outbox, clock):
    clock.advance(minutes=10, seconds=1)
    r = verify(api, outbox.code(PHONE))
    assert r.status_code == 400
    assert not is_verified(registered)


def test_a_code_is_tied_to_its_phone(registered, api, outbox):
    other = factories.UserFactory(phone="13700000000", phone_verified=False)
    r = verify(api, outbox.code(PHONE), phone=other.phone)
    assert r.status_code == 400
    assert not is_verified(other)
    assert not is_verified(registered)


def test_a_signing_code_does_not_verify_a_phone(
    registered, api, outbox, clock, django_capture_on_commit_callbacks
):
    clock.advance(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        send_phone_code(PHONE, purpose=PhoneCode.Purpose.SIGN, language="zh-hans")
    assert verify(api, outbox.code(PHONE)).status_code == 400
    assert not is_verified(registered)


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_a_code_that_is_not_six_digits_is_invalid_input(code, registered, api):
    r = verify(api, code)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert "code" in r.json()["errors"]


def test_a_new_code_cannot_be_had_within_a_minute(
    registered, api, outbox, django_capture_on_commit_callbacks
):
    r = resend(api, django_capture_on_commit_callbacks)
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert set(r.json()) == {"detail", "code"}
    assert len(outbox.sms(PHONE)) == 1


def test_a_new_code_replaces_the_old_one(registered, api, outbox, clock, django_capture_on_commit_callbacks):
    old = outbox.code(PHONE)
    clock.advance(seconds=61)
    assert resend(api, django_capture_on_commit_callbacks).status_code == 200
    new = outbox.code(PHONE)
    assert len(outbox.sms(PHONE)) == 2
    if new != old:
        assert verify(api, old).status_code == 400
    assert verify(api, new).status_code == 200
    assert is_verified(registered)


def test_no_more_than_five_codes_an_hour(registered, api, outbox, clock, django_capture_on_commit_callbacks):
    for _ in range(4):
        clock.advance(seconds=61)
        assert resend(api, django_capture_on_commit_callbacks).status_code == 200
    clock.advance(seconds=61)
    assert resend(api, django_capture_on_commit_callbacks).status_code == 429
    assert len(outbox.sms(PHONE)) == 5
    clock.advance(hours=1)
    assert resend(api, django_capture_on_commit_callbacks).status_code == 200


def test_asking_for_a_code_reveals_nothing_about_who_is_registered(
    registered, api, outbox, clock, django_capture_on_commit_callbacks
):
    clock.advance(seconds=61)
    known = resend(api, django_capture_on_commit_callbacks)
    unknown = resend(api, django_capture_on_commit_callbacks, phone="13700000000")
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert outbox.sms("13700000000") == []


def test_no_code_is_sent_to_a_phone_already_verified(api, outbox, django_capture_on_commit_callbacks):
    owner = factories.UserFactory(phone=PHONE, phone_verified=True)
    assert resend(api, django_capture_on_commit_callbacks, username=owner.username).status_code == 200
    assert outbox.sms(PHONE) == []


def test_verifying_reveals_disputes_naming_the_phone_once_intake_accepted_them(
    registered, regions, claimant, grid_worker, api, outbox
):
    from disputes import services

    accepted = factories.file_dispute(claimant, regions["grid1"], PHONE, title="已受理")
    services.fire(accepted.pk, "accept", by=grid_worker)
    pending = factories.file_dispute(claimant, regions["grid1"], PHONE, title="待受理")
    client = api(registered)
    assert client.get(f"/api/v1/disputes/{accepted.pk}/").status_code == 404
    assert verify(api, outbox.code(PHONE)).status_code == 200
    assert client.get(f"/api/v1/disputes/{accepted.pk}/").status_code == 200
    assert client.get(f"/api/v1/disputes/{pending.pk}/").status_code == 404
    assert [d["id"] for d in client.get("/api/v1/disputes/").json()["results"]] == [accepted.pk]


def test_an_unverified_user_may_not_file_until_verified(registered, regions, api, outbox):
    body = {
        "title": "噪音", "description": "深夜装修。", "category": "neighbourhood", "grid": regions["grid1"].pk,
        "respondent": {"name": "李四", "phone": "13700000000"},
    }  # fmt: skip
    client = api(registered)
    assert client.post("/api/v1/disputes/", body, format="json").status_code == 403
    assert verify(api, outbox.code(PHONE)).status_code == 200
    assert client.post("/api/v1/disputes/", body, format="json").status_code == 201


def test_a_code_verifies_only_the_account_it_was_sent_for(
    registered, api, outbox, clock, django_capture_on_commit_callbacks
):
    """Someone who registers another person's number later cannot ride on that person's code."""
    clock.advance(seconds=61)
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(
            REGISTER,
            {"username": "intruder", "password": "Qiantang-river-2026", "full_name": "冒名", "phone": PHONE},
            format="json",
        )
    assert r.status_code == 201
    intruder = User.objects.get(username="intruder")
    clock.advance(seconds=61)
    resend(api, django_capture_on_commit_callbacks)  # the owner asks again: the code is theirs
    r = verify(api, outbox.code(PHONE))
    assert r.status_code == 200 and r.json()["username"] == "wangfang"
    assert is_verified(registered) and not is_verified(intruder)
