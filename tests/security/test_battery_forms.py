"""The hostile-input battery over the web forms: every page form that writes × every input of
`hostile.INPUTS` (docs/security.md).

Each form is posted as a role that may use it, with a valid CSRF token: a value input in every
field of the form (URL-encoded; the evidence form multipart, the input also in the file's
name), a whole body as is with its content type (the token in the header). No answer may be a
5xx; a 4xx, a form page with errors (200) or a redirect with a message must leave every
table's row count and the dispute's row as they were. Requests are rolled back.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from tests import samples

from .conftest import BATTERY
from .hostile import INPUTS, quote_text, to_bytes
from .test_battery import COUNTED_FAILURES, ids_of, quiet_limits  # noqa: F401 (a fixture)
from .test_battery import snapshot as world_snapshot
from .test_matrix import fill

pytestmark = pytest.mark.django_db

# (role, URL pattern, the form's fields); the evidence form is multipart.
FORMS = [
    ("anonymous", "accounts/signup/", ["username", "password", "full_name", "phone", "email"]),
    ("anonymous", "accounts/verify/", ["phone", "code"]),
    ("anonymous", "accounts/login/", ["username", "password"]),
    ("claimant", "disputes/new/", ["title", "description", "category", "grid", "respondent_name",
                                   "respondent_phone", "respondent_email", "respondent_address",
                                   "amount_claimed", "desired_outcome"]),
    ("claimant", "disputes/<int:pk>/transitions/decline_settlement/", ["reason"]),
    ("claimant", "disputes/<int:pk>/transitions/withdraw/", ["reason"]),
    ("claimant", "disputes/<int:pk>/transitions/sign/", ["agree", "code"]),
    ("claimant", "disputes/<int:pk>/evidence/", ["description"]),
    ("claimant", "disputes/<int:pk>/rating/", ["score", "comment"]),
    ("grid_worker", "disputes/<int:pk>/home-visit/", ["note"]),
    ("handler", "cases/<int:pk>/info-requests/", ["party", "question", "due_at"]),
    ("claimant", "mediation/pool/disputes/<int:pk>/recusal/", ["reason"]),
    ("mediator", "mediation/pool/caseload/", ["on_leave_from", "on_leave_until"]),
    ("claimant", "notifications/preferences/", ["sms", "email"]),
    ("claimant", "accounts/language/", ["language"]),
    ("claimant", "accounts/text-size/", ["large_text", "next"]),
]  # fmt: skip

BOUNDARY = "BatteryBoundary7MA4YWxkTrZu0gW"
# A session row is not content: an anonymous form post may start one.
NOT_CONTENT = (*COUNTED_FAILURES, "django_session")


def snapshot(world):
    counts, dispute = world_snapshot(world)
    return {t: n for t, n in counts.items() if not t.startswith(NOT_CONTENT)}, dispute


def multipart(fields: dict[str, bytes], filename: bytes) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value
        )
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
    parts.append(head + filename + b'"\r\nContent-Type: image/png\r\n\r\n' + samples.png())
    return b"\r\n".join(parts) + f"\r\n--{BOUNDARY}--\r\n".encode()


def signed_in(world, role: str, token: str) -> Client:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    client.cookies["csrftoken"] = token
    return client


def test_no_hostile_form_post_gets_a_5xx_or_changes_anything(world, quiet_limits):  # noqa: F811
    BATTERY["forms"] = len(FORMS)
    token = _get_new_csrf_string()
    clients = {role: signed_in(world, role, token) for role in {f[0] for f in FORMS}}
    ids, before, failures = ids_of(world), snapshot(world), []
    for hostile in INPUTS:
        text = hostile.text(ids)
        for role, pattern, fields in FORMS:
            url, client = fill(pattern, world), clients[role]
            if hostile.whole:
                raw = hostile.raw if isinstance(hostile.raw, bytes) else to_bytes(hostile.raw)
                kwargs = {"content_type": hostile.content_type, "HTTP_X_CSRFTOKEN": token}
            elif pattern.endswith("/evidence/"):
                values = {"csrfmiddlewaretoken": token.encode(), **{f: to_bytes(text) for f in fields}}
                raw = multipart(values, to_bytes(text)[:200] + b".png")
                kwargs = {"content_type": f"multipart/form-data; boundary={BOUNDARY}"}
            else:
                pairs = [("csrfmiddlewaretoken", token), *((f, quote_text(text)) for f in fields)]
                raw = "&".join(f"{k}={v}" for k, v in pairs).encode()
                kwargs = {"content_type": "application/x-www-form-urlencoded"}
            with transaction.atomic():
                response = client.generic("POST", url, raw, **kwargs)
                changed = snapshot(world) != before
                transaction.set_rollback(True)
            BATTERY["requests"] += 1
            code, where = response.status_code, f"{hostile.name} → POST /{pattern}: {response.status_code}"
            if code >= 500:
                BATTERY["5xx"] += 1
                failures.append(where)
            elif code == 403 and b"CSRF" in response.content:
                failures.append(f"{where}: the CSRF token was refused, so the form was never tried")
            elif changed and code < 400:
                BATTERY["accepted"] += 1
            else:
                BATTERY["refused"] += 1
                if changed:
                    BATTERY["changed"] += 1
                    failures.append(f"{where} changed the database")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])
