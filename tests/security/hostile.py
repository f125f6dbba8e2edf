"""The hostile inputs of the battery, as data (docs/security.md, "the hostile-input battery").

Each input is either a whole body (`whole=True`: sent as is, with its content type) or a JSON
value that the battery puts into every field a route, form or frame might read (`FIELDS`),
so whichever field a view parses first meets it. `text()` is the same input as one query
parameter, form field or path segment: a string value as itself, anything else as its JSON
text; lone surrogates travel as the bytes they would be in UTF-8 (percent-encoded, invalid).
`$OTHER_GRID` and `$OTHER_USER` are replaced by ids from another grid and another person.
"""

from __future__ import annotations

import bz2
import json
from dataclasses import dataclass
from urllib.parse import quote

COMBINING = "a" + "\u0301" * 5000
DEEP_ARRAY = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"a":' * 10_000 + "1" + "}" * 10_000


@dataclass(frozen=True)
class Hostile:
    name: str
    raw: str | bytes
    whole: bool = False  # the whole body, rather than a value put in every field
    content_type: str = "application/json"

    def value(self, ids: dict[str, int]) -> str:
        """The raw JSON value with the placeholders filled."""
        raw = self.raw
        for key, number in ids.items():
            raw = raw.replace(f"${key}", str(number))
        return raw

    def body(self, fields: list[str], ids: dict[str, int], frame_type: str | None = None) -> bytes:
        """The request body (or websocket frame, with its `type` first)."""
        if self.whole:
            raw = self.raw if isinstance(self.raw, bytes) else self.raw.encode("utf-8", "surrogatepass")
            if frame_type and raw.startswith(b"{"):
                raw = b'{"type": "' + frame_type.encode() + b'", ' + raw[1:]
            return raw
        value = self.value(ids)
        parts = [f'"type": "{frame_type}"'] if frame_type else []
        parts += [f'"{name}": {value}' for name in fields]
        return ("{" + ", ".join(parts) + "}").encode("utf-8", "surrogatepass")

    def text(self, ids: dict[str, int]) -> str:
        """The input as one text value (a query parameter, a form field), surrogates kept."""
        if self.whole:
            raw = self.raw
            return raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
        value = self.value(ids)
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, str) else value

    def quoted(self, ids: dict[str, int]) -> str:
        """`text()` percent-encoded for a URL (query value or path segment)."""
        return quote_text(self.text(ids))


def quote_text(text: str) -> str:
    return quote(to_bytes(text), safe="")


def to_bytes(text: str) -> bytes:
    """UTF-8, with the bytes of a binary body back as they were and lone surrogates kept."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def j(value) -> str:
    """A Python value as JSON text (non-ASCII kept as is)."""
    return json.dumps(value, ensure_ascii=False)


FORM = "application/x-www-form-urlencoded"

# The battery: whole bodies first, then values. Names are what the figures and failures print.
INPUTS = [
    # --- whole bodies ---------------------------------------------------------------------------
    Hostile("truncated JSON", '{"reason": "漏', whole=True),
    Hostile("empty body", "", whole=True),
    Hostile("[]", "[]", whole=True),
    Hostile("null", "null", whole=True),
    Hostile("a bare string", '"reason"', whole=True),
    Hostile("a bare number", "1", whole=True),
    Hostile("10,000-deep array", DEEP_ARRAY, whole=True),
    Hostile("10,000-deep object", DEEP_OBJECT, whole=True),
    Hostile(
        "duplicate keys",
        '{"reason": "一", "reason": "二", "score": 1, "score": 9, "body": "x", "body": "y", '
        '"client_msg_id": "d1", "client_msg_id": "d2", "after": 0, "after": 1, "seq": 0, "seq": 1}',
        whole=True,
    ),
    Hostile("invalid UTF-8", b'{"reason": "\xff\xfe\xc0\xaf", "body": "\xed\xa0\x80"}', whole=True),
    Hostile("UTF-16 with a BOM", '{"reason": "x"}'.encode("utf-16"), whole=True),
    Hostile("a UTF-8 BOM", b'\xef\xbb\xbf{"reason": "x", "body": "x"}', whole=True),
    Hostile("trailing data", '{"reason": "x"} {"reason": "y"}', whole=True),
    Hostile("single quotes", "{'reason': 'x', 'body': 'x'}", whole=True),
    Hostile("a comment in JSON", '{"reason": "x" /* c */, "body": "x"}', whole=True),
    Hostile(
        "form-encoded to a JSON route", "reason=x&body=y&score=5&after=-1", whole=True, content_type=FORM
    ),
    Hostile("JSON sent as text/plain", '{"reason": "x", "body": "x"}', whole=True, content_type="text/plain"),
    Hostile("XML", '<?xml version="1.0"?><reason>x</reason>', whole=True, content_type="application/xml"),
    Hostile(
        "charset utf-16 declared, UTF-8 sent",
        '{"reason": "漏水", "body": "漏水"}',
        whole=True,
        content_type="application/json; charset=utf-16",
    ),
    Hostile(
        "an unknown charset",
        '{"reason": "x"}',
        whole=True,
        content_type="application/json; charset=x-nonsense",
    ),
    Hostile(
        "a bytes-to-bytes charset (bz2)",
        bz2.compress(b'{"reason": "' + b"x" * 100_000 + b'"}'),
        whole=True,
        content_type="application/json; charset=bz2_codec",
    ),
    Hostile("over 1 MB", '{"reason": "' + "x" * (1024 * 1024 + 10) + '"}', whole=True),
    # --- numbers --------------------------------------------------------------------------------
    Hostile("1e309", "1e309"),
    Hostile("NaN", "NaN"),
    Hostile("Infinity", "Infinity"),
    Hostile("-Infinity", "-Infinity"),
    Hostile("-1", "-1"),
    Hostile("0", "0"),
    Hostile("a float 1.5", "1.5"),
    Hostile("-0.0", "-0.0"),
    Hostile("2^63-1", str(2**63 - 1)),
    Hostile("2^63", str(2**63)),
    Hostile("2^64", str(2**64)),
    Hostile("-2^63-1", str(-(2**63) - 1)),
    Hostile("a 5,000-digit integer", "9" * 5000),
    Hostile("1e-400", "1e-400"),
    # --- wrong types ----------------------------------------------------------------------------
    Hostile("true", "true"),
    Hostile("false", "false"),
    Hostile("null value", "null"),
    Hostile("an empty array", "[]"),
    Hostile("an array of strings", '["x", "y"]'),
    Hostile("an object", '{"id": 1, "name": "x"}'),
    Hostile('"abc" for a number', j("abc")),
    Hostile("a number as a string", j("42")),
    Hostile("another grid's id", "$OTHER_GRID"),
    Hostile("another person's id", "$OTHER_USER"),
    # --- strings --------------------------------------------------------------------------------
    Hostile("empty string", j("")),
    Hostile("whitespace only", j(" \t\n\u3000")),
    Hostile("lone high surrogate", '"x\\ud800y"'),
    Hostile("lone low surrogate", '"\\udfff"'),
    Hostile("NUL", '"a\\u0000b"'),
    Hostile("control characters", '"\\u0007\\u001b[31mred\\u0008"'),
    Hostile("CRLF header injection", j("x\r\nSet-Cookie: sessionid=evil\r\n\r\n<h1>")),
    Hostile("bidi override", j("\u202eevil.exe\u202c\u2066x\u2069")),
    Hostile("zero-width joiner and space", j("a\u200d\u200b\ufeffb")),
    Hostile("noncharacters", j("\ufffe\uffff\U0010ffff")),
    Hostile("emoji ZWJ sequence", j("👨\u200d👩\u200d👧\u200d👦")),
    Hostile("5,000 combining marks", j(COMBINING)),
    Hostile("5,000 characters", j("长" * 5000)),
    Hostile("rare CJK 𠀀𪚥", j("𠀀𪚥")),
    Hostile("买买提·艾力", j("买买提·艾力")),
    Hostile("full-width phone", j("１３８００１３８０００")),
    Hostile("+86 phone", j("+86 138 0013 8000")),
    Hostile("ID number with a bad check digit", j("11010519491231002X")),
    Hostile("superscript digits", j("²³")),
    Hostile("Arabic-Indic digits", j("٣٤")),
    Hostile("full-width digits", j("１２")),
    Hostile("a date that does not exist", j("2026-02-30")),
    Hostile("a five-digit year", j("99999-01-01")),
    Hostile("SQL injection", j("'; DROP TABLE disputes_dispute; --")),
    Hostile("HTML and script", j('<script>alert(1)</script><img src=x onerror="alert(2)">')),
    Hostile("template injection", j("{{ 7|add:7 }}{% debug %}${7*7}")),
    Hostile("format string", j("%s%n%x{0}{.__class__}")),
    Hostile("path traversal", j("../../../../etc/passwd")),
]

NAMES = [i.name for i in INPUTS]
assert len(set(NAMES)) == len(NAMES), "every input has its own name"

# Every field name a write route, form or frame of the product reads (the union of the payloads).
FIELDS = [
    "reason", "body", "client_msg_id", "score", "comment", "note", "after", "seq", "title",
    "description", "category", "grid", "respondent", "amount", "amount_claimed", "desired_outcome",
    "terms", "performance_method", "performance_deadline", "mediator", "agree", "code", "phone",
    "full_name", "name", "username", "password", "email", "id_number", "question", "party", "due_at",
    "answer", "finding", "followup", "approve", "confirmed", "outcome", "referred_to",
    "on_leave_from", "on_leave_until", "sms", "in_app", "on_behalf_of", "language", "region", "kind",
]  # fmt: skip
