"""The log filter masks each kind of personal data and credential, in the message and its args."""

from __future__ import annotations

import io
import logging
import weakref

import pytest
from django.conf import settings

from core.logfilters import PersonalDataFilter, mask_daphne_access_log, redact

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
SESSION = "k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8"
TICKET = "Zx-9_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789ab"


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        (f"SMS to {PHONE} queued", PHONE, "139****5678"),
        (f"tel:+86{PHONE}.", PHONE, "139****5678"),
        (f"id={ID_NUMBER}", ID_NUMBER, "1101************2X"),
        ("id 110105194912310021 ok", "110105194912310021", "1101************21"),
        ("您的验证码是 482913，10分钟内有效", "482913", "验证码是 ******"),
        ('{"code": "482913"}', "482913", '"code": "******"'),
        ("sign code=482913&x=1", "482913", "code=******"),
        (f"Cookie: csrftoken=abc; sessionid={SESSION}", SESSION, "sessionid=[masked]"),
        (f"GET /ws/rooms/4/?ticket={TICKET} 101", TICKET, "?ticket=[masked] 101"),
        (f"/ws/notifications/?x=1&ticket={TICKET}", TICKET, "&ticket=[masked]"),
        (f"Authorization: Token {TOKEN}", TOKEN, "Token [masked]"),
        (f"INSERT INTO authtoken_token VALUES ('{TOKEN}', 3)", TOKEN, "('[masked]', 3)"),
        (f"WHERE session_key = '{SESSION}'", SESSION, "= '[masked]'"),
    ],
)
def test_each_pattern_is_masked(line, secret, kept):
    masked = redact(line)
    assert secret not in masked and kept in masked


@pytest.mark.parametrize(
    "line",
    [
        "dispute 2026-00042 filed, amount 1234567.00",  # 7 digits, a year: not phones
        "12345678901 is not a mobile number (second digit 2)",
        "code 12345 is five digits; order 1234567 is seven",
        "room 139 seq 12345678",
        "a plain sentence with nothing to hide",
        "abcdefghijklmnopqrstuvwxyzabcdef",  # 32 letters, no digit: not a session key
    ],
)
def test_other_text_is_left_alone(line):
    assert redact(line) == line


def _record(msg, args=(), exc_info=None):
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, exc_info)


def test_the_arguments_are_masked_too_and_twice_changes_nothing():
    record = _record("code %s sent to %s (%d tries)", ("验证码 482913", PHONE, 2))
    f = PersonalDataFilter()
    assert f.filter(record) is True
    assert record.getMessage() == "code 验证码 ****** sent to 139****5678 (2 tries)"
    f.filter(record)
    assert record.getMessage() == "code 验证码 ****** sent to 139****5678 (2 tries)"
    dict_args = _record("%(phone)s", ({"phone": PHONE},))
    f.filter(dict_args)
    assert dict_args.getMessage() == "139****5678"


def test_an_exception_text_is_masked():
    try:
        raise ValueError(f"no account for {PHONE}")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())
    PersonalDataFilter().filter(record)
    out = logging.Formatter().format(record)
    assert PHONE not in out and "139****5678" in out


def test_every_configured_handler_has_the_filter():
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("personal_data" in h.get("filters", []) for h in handlers.values())
    root = logging.getLogger()
    configured = [h for h in root.handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    assert configured, "Django's LOGGING did not install the filtered handler on the root logger"


def test_celery_logs_through_django_logging():
    from celery.signals import setup_logging

    from config import celery

    # Receivers are kept as weak references (Celery's default); a plain one is the function.
    receivers = [r[1]() if isinstance(r[1], weakref.ref) else r[1] for r in setup_logging.receivers]
    assert celery.use_django_logging in receivers


def test_daphne_access_log_masks_the_ticket():
    from daphne.access import AccessLogGenerator

    mask_daphne_access_log()
    stream = io.StringIO()
    AccessLogGenerator(stream)(
        "websocket", "connecting", {"client": ["127.0.0.1", 5000], "path": f"/ws/rooms/1/?ticket={TICKET}"}
    )
    assert TICKET not in stream.getvalue() and "ticket=[masked]" in stream.getvalue()
