"""Password reset by an SMS code to the verified phone, on the API and the pages (docs/security.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import PhoneCode, User
from tests import factories

pytestmark = pytest.mark.django_db

REQUEST = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"
LOGIN = "/accounts/login/"
PAGE = "/accounts/password-reset/"
PAGE_CONFIRM = "/accounts/password-reset/confirm/"
MINE = "/disputes/"
PHONE = "13912345678"
OLD = "tiaojie-test-pw"
NEW = "Xihu-lakeside-2027"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident(db):
    return factories.UserFactory(username="wangfang", full_name="王芳", phone=PHONE)


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """post(path, body) → the API's answer, with what runs after commit (SMS) run."""

    def go(path: str, body, client: APIClient | None = None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or APIClient()).post(path, body, format="json", **extra)

    return go


RESET_CODE = re.compile(r"(?:password reset code is|重置密码验证码为) (\d{6})")


def codes(outbox, phone: str = PHONE) -> list[str]:
    """The reset codes texted to `phone`, oldest first."""
    return [m.group(1) for s in outbox.sms(phone) if (m := RESET_CODE.search(s["body"]))]


def token_for(username: str, password: str) -> int:
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json").status_code


def confirm(post, code: str, password: str = NEW, login: str = "wangfang"):
    return post(CONFIRM, {"login": login, "code": code, "new_password": password})


# --- the API: the happy path -------------------------------------------------------------------------------
def test_the_api_resets_the_password_with_the_texted_code(resident, post, outbox):
    r = post(REQUEST, {"login": "wangfang"})
    assert r.status_code == 202
    assert set(r.json()) == {"detail"}
    [code] = codes(outbox)

    r = confirm(post, code)
    assert r.status_code == 200, r.json()
    assert token_for("wangfang", NEW) == 200
    assert token_for("wangfang", OLD) == 401
    # The owner is told by SMS, in case it was not them.
    assert "密码已修改" in outbox.sms(PHONE)[-1]["body"]


def test_the_phone_works_as_the_login_and_full_width_digits_are_read(resident, post, outbox):
    assert post(REQUEST, {"login": "+86 139-1234-5678"}).status_code == 202
    [code] = codes(outbox)
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = confirm(post, wide, login="１３９１２３４５６７８")
    assert r.status_code == 200, r.json()
    assert token_for("wangfang", NEW) == 200


def test_the_notice_is_in_the_users_language(post, outbox):
    factories.UserFactory(username="tom", phone=PHONE, language="en")
    post(REQUEST, {"login": "tom"})
    assert "valid for 10 minutes" in outbox.sms(PHONE)[0]["body"]
    assert confirm(post, codes(outbox)[0], login="tom").status_code == 200
    assert "Your password was changed" in outbox.sms(PHONE)[-1]["body"]


# --- the API: no account enumeration ----------------------------------------------------------------------
def test_the_request_answers_the_same_whether_or_not_the_account_exists(resident, post, outbox):
    answers = [
        post(REQUEST, {"login": login})
        for login in ("wangfang", "nobody-here", "13700000000", "wangfang")  # the last: within 60 s
    ]
    assert {(r.status_code, r.content) for r in answers} == {(202, answers[0].content)}
    assert len(codes(outbox)) == 1
    assert outbox.sms("13700000000") == []


def test_a_wrong_code_or_weak_password_answers_alike_for_an_unknown_login(resident, post):
    known, unknown = confirm(post, "000000"), confirm(post, "000000", login="nobody-here")
    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()
    assert known.json()["code"] == "invalid_code" and "code" in known.json()["errors"]
    weak_known, weak_unknown = confirm(post, "000000", "12345678"), confirm(post, "000000", "12345678", "x1")
    assert weak_known.json() == weak_unknown.json()
    assert "new_password" in weak_known.json()["errors"]


@pytest.mark.parametrize("change", [{"phone_verified": False}, {"is_active": False}, {"phone": ""}])
def test_no_code_goes_to_an_unverified_phone_or_a_closed_account(post, outbox, change):
    factories.UserFactory(**{"username": "wangfang", "phone": PHONE, **change})
    for login in ("wangfang", PHONE):
        assert post(REQUEST, {"login": login}).status_code == 202
    assert outbox.sms() == []
    assert not PhoneCode.objects.exists()


# --- the API: bad codes and passwords -----------------------------------------------------------------------
def test_a_wrong_code_changes_nothing(resident, post, outbox):
    post(REQUEST, {"login": "wangfang"})
    [code] = codes(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = confirm(post, wrong)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_code"
    assert token_for("wangfang", OLD) == 200


def test_a_code_works_once(resident, post, outbox):
    post(REQUEST, {"login": "wangfang"})
    [code] = codes(outbox)
    assert confirm(post, code).status_code == 200
    r = confirm(post, code, password="Another-pass-2028")
    assert r.status_code == 400 and r.json()["code"] == "invalid_code"
    assert token_for("wangfang", NEW) == 200


def test_an_expired_code_is_refused(resident, post, outbox):
    post(REQUEST, {"login": "wangfang"})
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    r = confirm(post, codes(outbox)[0])
    assert r.status_code == 400 and r.json()["code"] == "invalid_code"
    assert token_for("wangfang", OLD) == 200


def test_a_verification_code_does_not_reset_a_password(post, outbox):
    user = factories.UserFactory(username="wangfang", phone=PHONE, phone_verified=False)
    post("/api/v1/auth/send-code/", {"username": "wangfang", "phone": PHONE})
    verify_code = outbox.code(PHONE)
    User.objects.filter(pk=user.pk).update(phone_verified=True)
    assert confirm(post, verify_code).status_code == 400


@pytest.mark.parametrize(
    "password", ["12345678", "short1!", "password123", "wangfang2026", "Xihu-lakeside-2027 " * 7 + "x" * 200]
)
def test_a_weak_password_is_refused_and_the_code_still_works(resident, post, outbox, password):
    post(REQUEST, {"login": PHONE})  # "wangfang2026" is refused as too like the username, found by phone
    [code] = codes(outbox)
    r = confirm(post, code, password, login=PHONE)
    assert r.status_code == 400
    assert "new_password" in r.json()["errors"]
    assert token_for("wangfang", OLD) == 200
    assert confirm(post, code, login=PHONE).status_code == 200


def test_another_accounts_code_does_not_work(resident, post, outbox):
    other = factories.UserFactory(username="lisi", phone="13700000001")
    post(REQUEST, {"login": "wangfang"})
    post(REQUEST, {"login": "lisi"})
    [mine], [theirs] = codes(outbox), codes(outbox, other.phone)
    if mine != theirs:  # one chance in a million that both drew the same code
        assert confirm(post, mine, login="lisi").status_code == 400
    assert confirm(post, theirs, login="wangfang").status_code == 400
    assert token_for("lisi", OLD) == 200
    assert confirm(post, theirs, login="lisi").status_code == 200


# --- the API: limits ----------------------------------------------------------------------------------------
def test_the_auth_throttle_applies_per_client_address(resident, post, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "filing": "1000/min"})
    answers = [post(REQUEST, {"login": "wangfang"}).status_code for _ in range(2)]
    answers += [confirm(post, "000000").status_code for _ in range(2)]
    assert answers == [202, 202, 400, 429]
    r = confirm(post, "000000")
    assert r.status_code == 429 and r.json()["code"] == "throttled"
    assert post(REQUEST, {"login": "wangfang"}, REMOTE_ADDR="10.4.4.4").status_code == 202


def test_codes_are_limited_per_phone_without_saying_so(resident, post, outbox):
    for _ in range(8):
        assert post(REQUEST, {"login": "wangfang"}).status_code == 202
        PhoneCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))  # the minute has passed
    assert len(codes(outbox)) == 5  # 5 an hour


def test_five_wrong_guesses_burn_the_code(resident, post, outbox):
    post(REQUEST, {"login": "wangfang"})
    [code] = codes(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert confirm(post, wrong).status_code == 400
    assert confirm(post, code).status_code == 400
    assert token_for("wangfang", OLD) == 200


def test_fresh_codes_do_not_buy_more_than_10_wrong_guesses_an_hour(resident, post, outbox):
    for _round in range(2):
        post(REQUEST, {"login": "wangfang"})
        wrong = f"{(int(codes(outbox)[-1]) + 1) % 10**6:06d}"
        for _ in range(5):
            assert confirm(post, wrong).status_code == 400
        PhoneCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))  # the minute has passed
    post(REQUEST, {"login": "wangfang"})
    assert len(codes(outbox)) == 3
    assert confirm(post, codes(outbox)[-1]).status_code == 400
    assert token_for("wangfang", OLD) == 200


# --- the API: malformed input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"login": ""},
        {"login": "x" * 100_000},
        {"login": ["wangfang"]},
        {"login": {"$ne": ""}},
        {"login": None},
    ],
)
def test_a_malformed_request_is_400(resident, post, outbox, body):
    r = post(REQUEST, body)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "login" in r.json()["errors"]
    assert outbox.sms() == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"login": "wangfang", "code": "12345", "new_password": NEW}, "code"),
        ({"login": "wangfang", "code": "12345a", "new_password": NEW}, "code"),
        ({"login": "wangfang", "code": "1" * 10_000, "new_password": NEW}, "code"),
        ({"login": "wangfang", "code": 123456.0, "new_password": NEW}, "code"),
        ({"login": "wangfang", "code": "123456", "new_password": "x" * 100_000}, "new_password"),
        ({"login": "wangfang", "code": "123456"}, "new_password"),
        ({"code": "123456", "new_password": NEW}, "login"),
    ],
)
def test_a_malformed_confirmation_is_400(resident, post, body, field):
    r = post(CONFIRM, body)
    assert r.status_code == 400
    assert field in r.json()["errors"]
    assert token_for("wangfang", OLD) == 200


@pytest.mark.parametrize("path", [REQUEST, CONFIRM])
def test_a_body_that_is_not_json_is_400(resident, path):
    r = APIClient().post(path, data='{"login": "wangfang"', content_type="application/json")
    assert r.status_code == 400
    assert set(r.json()) >= {"detail", "code"}


# --- what a reset ends --------------------------------------------------------------------------------------
def test_after_a_reset_every_old_sign_in_has_ended(resident, post, outbox):
    browser = Client()
    assert browser.post(LOGIN, {"username": "wangfang", "password": OLD}).status_code == 302
    old_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    other_browser = Client()
    other_browser.force_login(resident)
    assert browser.get(MINE).status_code == 200
    token = APIClient().post(TOKEN, {"username": "wangfang", "password": OLD}, format="json").json()["token"]

    post(REQUEST, {"login": "wangfang"})
    assert confirm(post, codes(outbox)[0]).status_code == 200

    for client in (browser, other_browser):
        r = client.get(MINE)
        assert r.status_code == 302 and r["Location"].startswith(LOGIN)
        assert client.get(ME).status_code in (401, 403)
    assert not SessionStore().exists(old_key)
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get(ME).status_code == 401
    assert not Token.objects.filter(user=resident).exists()


def test_a_reset_lifts_the_sign_in_lockout(resident, post, outbox):
    browser = Client()
    for _ in range(5):
        browser.post(LOGIN, {"username": "wangfang", "password": "guess"})
    assert browser.post(LOGIN, {"username": "wangfang", "password": OLD}).status_code == 429
    assert token_for("wangfang", OLD) == 429

    post(REQUEST, {"login": "wangfang"})
    assert confirm(post, codes(outbox)[0]).status_code == 200
    assert browser.post(LOGIN, {"username": "wangfang", "password": NEW}).status_code == 302


@pytest.mark.django_db(transaction=True)
async def test_a_reset_closes_open_sockets_and_the_old_cookie_opens_no_new_one(outbox):
    user = await sync_to_async(factories.UserFactory)(username="wangfang", phone=PHONE)
    cookie = await sync_to_async(_session_cookie)(user)
    socket = await _open_socket(cookie)
    assert (await socket.receive_json_from(timeout=3))["type"] == "hello"

    await sync_to_async(_reset_through_the_api)(outbox)
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    again = await _open_socket(cookie)
    assert await again.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    await sync_to_async(connections.close_all)()  # the consumers' connection, before the test database goes


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _open_socket(cookie: str) -> WebsocketCommunicator:
    from config.asgi import application

    headers = [
        (b"origin", b"http://127.0.0.1:8000"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
    ]
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


def _reset_through_the_api(outbox) -> None:
    # Outside a test transaction each request commits, so after-commit effects run by themselves.
    assert APIClient().post(REQUEST, {"login": "wangfang"}, format="json").status_code == 202
    r = APIClient().post(
        CONFIRM, {"login": "wangfang", "code": codes(outbox)[0], "new_password": NEW}, format="json"
    )
    assert r.status_code == 200


# --- the pages ---------------------------------------------------------------------------------------------------
@pytest.fixture
def page_post(django_capture_on_commit_callbacks):
    def go(client: Client, path: str, data: dict, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, **extra)

    return go


def test_the_login_page_links_to_the_reset(db):
    page = Client().get(LOGIN).content.decode()
    assert f'href="{PAGE}"' in page and "忘记密码" in page
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(LOGIN).content.decode()
    assert "Forgot your password?" in english


def test_the_pages_reset_the_password(resident, page_post, outbox):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(PAGE)
    assert page.status_code == 200 and "重置密码" in page.content.decode()
    csrf = page.cookies[settings.CSRF_COOKIE_NAME].value
    r = page_post(browser, PAGE, {"login": "wangfang", "csrfmiddlewaretoken": csrf})
    assert r.status_code == 302 and r["Location"] == PAGE_CONFIRM

    form = browser.get(PAGE_CONFIRM).content.decode()
    assert 'value="wangfang"' in form  # the login is filled in
    data = {"login": "wangfang", "code": codes(outbox)[0], "new_password": NEW, "new_password2": NEW}
    r = page_post(browser, PAGE_CONFIRM, {**data, "csrfmiddlewaretoken": csrf})
    assert r.status_code == 302 and r["Location"] == LOGIN
    assert "密码已修改" in browser.get(LOGIN).content.decode()
    assert Client().post(LOGIN, {"username": "wangfang", "password": NEW}).status_code == 302
    assert Client().post(LOGIN, {"username": "wangfang", "password": OLD}).status_code == 200


def test_the_pages_speak_english(resident, page_post, outbox):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "Reset your password" in browser.get(PAGE).content.decode()
    page_post(browser, PAGE, {"login": "nobody"})
    page = browser.get(PAGE_CONFIRM).content.decode()
    assert "Choose a new password" in page and "a code is on its way" in page


def test_the_pages_need_the_csrf_token(resident, outbox):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(PAGE, {"login": "wangfang"}).status_code == 403
    assert browser.post(PAGE_CONFIRM, {"login": "wangfang", "code": "123456"}).status_code == 403
    assert outbox.sms() == []


def test_the_request_page_says_the_same_for_an_unknown_login(resident, page_post, outbox):
    answers = []
    for login in ("wangfang", "nobody-here"):
        browser = Client()
        r = page_post(browser, PAGE, {"login": login}, follow=True)
        answers.append([str(m) for m in r.context["messages"]])
    assert answers[0] == answers[1]
    assert len(codes(outbox)) == 1


def test_the_confirm_page_shows_what_is_wrong(resident, page_post, outbox):
    browser = Client()
    page_post(browser, PAGE, {"login": "wangfang"})
    code = codes(outbox)[0]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    cases = [
        ({"code": wrong, "new_password": NEW, "new_password2": NEW}, "code"),
        ({"code": code, "new_password": NEW, "new_password2": NEW + "x"}, "new_password2"),
        ({"code": code, "new_password": "12345678", "new_password2": "12345678"}, "new_password"),
        ({"code": "１２３", "new_password": NEW, "new_password2": NEW}, "code"),
    ]
    for data, field in cases:
        r = page_post(browser, PAGE_CONFIRM, {"login": "wangfang", **data})
        assert r.status_code == 200
        assert field in r.context["form"].errors, (data, r.context["form"].errors)
    assert token_for("wangfang", OLD) == 200
    # None of those used up the code.
    r = page_post(
        browser, PAGE_CONFIRM, {"login": "wangfang", "code": code, "new_password": NEW, "new_password2": NEW}
    )
    assert r.status_code == 302


def test_the_pages_are_limited_per_address(resident, page_post, settings, outbox):
    settings.PAGE_AUTH_LIMIT = 3
    requests = [page_post(Client(), PAGE, {"login": "wangfang"}).status_code for _ in range(4)]
    assert requests == [302, 302, 302, 429]
    confirms = [
        page_post(Client(), PAGE_CONFIRM, {"login": "wangfang", "code": "000000"}).status_code
        for _ in range(4)
    ]
    assert confirms == [200, 200, 200, 429]
    assert page_post(Client(REMOTE_ADDR="10.5.5.5"), PAGE, {"login": "wangfang"}).status_code == 302


def test_a_signed_in_user_is_sent_on(resident):
    browser = Client()
    browser.force_login(resident)
    assert browser.get(PAGE)["Location"] == MINE
    assert browser.post(PAGE_CONFIRM, {"login": "wangfang"})["Location"] == MINE
