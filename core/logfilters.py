"""A logging filter that keeps personal data and credentials out of the logs
(docs/personal-data-rights.md, "Logs").

config/settings.py puts it on every handler of LOGGING; Celery's worker and beat use that
configuration (config/celery.py) and daphne's access log, which does not go through
`logging`, is masked by `mask_daphne_access_log` (config/asgi.py).

What is masked, in the formatted message (its arguments included), the exception text and
the stack: mainland mobile numbers (1[3-9] and 9 digits), 18-character ID numbers, 6-digit
codes after a word such as code or 验证码, session keys after `sessionid=`, websocket
tickets (`ticket=...` in a query string) and API tokens (`Token` and 40 hex digits); also,
unlabelled, any 40-hex-digit string (a token) and any 32-character run of lowercase letters
and digits mixing both (a session key), as SQL parameters show them when DEBUG logs queries.
Digits are ASCII: a log line is written by the program, which stores numbers normalised.
"""

from __future__ import annotations

import logging
import re

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"

_ID_NUMBER = re.compile(_NOT_ALNUM_BEFORE + r"([0-9]{4})[0-9]{12}([0-9]{1}[0-9Xx])" + _NOT_ALNUM_AFTER)
# With or without a country code (+86, 0086, 86) in front.
_PHONE = re.compile(r"(?<![0-9])((?:\+?86|0086)?1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
# A 6-digit code within a few characters after the word that names it: "code=123456",
# '"code": "123456"', "验证码：123456", "您的验证码是123456".
_CODE = re.compile(
    r"((?:code|otp|验证码|校验码|动态码|签署码|签名码)[^0-9\n]{0,24}?)(?<![0-9])[0-9]{6}(?![0-9])",
    re.IGNORECASE,
)
_SESSION = re.compile(r"(sessionid=)[a-z0-9]{32}", re.IGNORECASE)
_TICKET = re.compile(r"((?:\?|&|\b)ticket=)[^&\s\"'#]+", re.IGNORECASE)
_TOKEN = re.compile(r"(\bToken\s+)[0-9a-f]{40}" + _NOT_ALNUM_AFTER, re.IGNORECASE)
# Without their label, as SQL parameters show them when DEBUG logs queries (django.db.backends):
# an API token is 40 hex digits, a session key 32 lowercase letters and digits (both kinds).
_BARE_TOKEN = re.compile(_NOT_ALNUM_BEFORE + r"[0-9a-f]{40}" + _NOT_ALNUM_AFTER)
_BARE_SESSION = re.compile(
    _NOT_ALNUM_BEFORE + r"(?=[a-z]*[0-9])(?=[0-9]*[a-z])[a-z0-9]{32}" + _NOT_ALNUM_AFTER
)

MASK = "[masked]"


def redact(text: str) -> str:
    """`text` with every pattern above masked; text without any comes back unchanged."""
    text = _ID_NUMBER.sub(r"\1************\2", text)
    text = _PHONE.sub(r"\1****\2", text)
    text = _CODE.sub(r"\1******", text)
    text = _SESSION.sub(r"\1" + MASK, text)
    text = _TICKET.sub(r"\1" + MASK, text)
    text = _TOKEN.sub(r"\1" + MASK, text)
    text = _BARE_TOKEN.sub(MASK, text)
    return _BARE_SESSION.sub(MASK, text)


class PersonalDataFilter(logging.Filter):
    """Masks the record in place (message with its arguments, exception, stack); never drops it.

    The message is formatted here (`msg % args`) and kept as `msg` with no arguments, so every
    handler after this one writes the masked text. Running it twice changes nothing more.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging does
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def mask_daphne_access_log() -> None:
    """daphne writes its access log straight to a stream (daphne.access.AccessLogGenerator),
    not through `logging`: mask the request line it writes (a websocket's `?ticket=`)."""
    try:
        from daphne.access import AccessLogGenerator
    except ImportError:  # pragma: no cover - daphne is a dependency
        return
    if getattr(AccessLogGenerator.write_entry, "masks_personal_data", False):
        return
    original = AccessLogGenerator.write_entry

    def write_entry(self, host, date, request, *args, **kwargs):
        return original(self, host, date, redact(request), *args, **kwargs)

    write_entry.masks_personal_data = True
    AccessLogGenerator.write_entry = write_entry
