"""A database dump shows no phone number or ID number in clear (docs/personal-data-encryption.md).

Stack only (PostgreSQL): journeys through the API commit real rows, then `pg_dump` of the test
database is searched for the values used and for anything shaped like a mainland mobile number
or an 18-character ID number standing on its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from django.db import connection

from accounts.models import User
from core import crypto
from core.crypto import blind_index
from disputes.models import Dispute
from tests import factories
from tests.stack_harness import needs_stack

pytestmark = [
    pytest.mark.stack,
    needs_stack,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]

CLAIMANT_PHONE = "13912345678"
RESPONDENT_PHONE = "15887654321"
ON_BEHALF_PHONE = "17700001111"
ID_NUMBER = "11010519491231002X"
# Standing on its own: not part of a longer run of letters or digits (hex, base64).
PHONE_SHAPE = re.compile(r"(?<![0-9A-Za-z_-])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_SHAPE = re.compile(r"(?<![0-9A-Za-z_-])\d{17}[\dXx](?![0-9A-Za-z])")


def pg_dump_binary() -> str:
    for candidate in ("/usr/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump", shutil.which("pg_dump")):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.skip("pg_dump is not installed")


def dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    out = subprocess.run(
        [
            pg_dump_binary(), "--data-only", "--no-owner", "-h", db.get("HOST") or "127.0.0.1",
            "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres", db["NAME"],
        ],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return out.stdout


def test_a_dump_after_the_journeys_holds_no_phone_or_id_number_in_clear(
    api, outbox, regions, grid_worker, django_capture_on_commit_callbacks
):
    assert connection.vendor == "postgresql"
    # Register, verify the phone with the texted code.
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post(
            "/api/v1/auth/register/",
            {
                "username": "wangfang", "password": "Qiantang-river-2026", "full_name": "王芳",
                "phone": CLAIMANT_PHONE, "email": "wangfang@example.com",
            },
            format="json",
        )  # fmt: skip
    assert r.status_code == 201, r.json()
    code = outbox.code(CLAIMANT_PHONE)
    r = api().post("/api/v1/auth/verify-phone/", {"phone": CLAIMANT_PHONE, "code": code}, format="json")
    assert r.status_code == 200, r.json()
    claimant = User.objects.get(username="wangfang")
    assert claimant.phone_verified
    claimant.id_number, claimant.address = ID_NUMBER, "杭州市西湖区北山街道宝石一弄3号"
    claimant.save()

    # File a dispute naming the respondent's phone; the grid worker accepts it (serving the
    # respondent by SMS); a grid worker files one on behalf of a resident without an account.
    with django_capture_on_commit_callbacks(execute=True):
        r = api(claimant).post(
            "/api/v1/disputes/",
            {
                "title": "噪音", "description": "深夜施工。", "category": "neighbourhood",
                "grid": regions["grid1"].pk,
                "respondent": {"name": "李四", "phone": RESPONDENT_PHONE, "address": "宝石一弄5号"},
            },
            format="json",
        )  # fmt: skip
    assert r.status_code == 201, r.json()
    dispute = Dispute.objects.get(pk=r.json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        r = api(grid_worker).post(f"/api/v1/disputes/{dispute.pk}/transitions/accept/", {}, format="json")
    assert r.status_code == 200, r.json()
    assert outbox.sms(RESPONDENT_PHONE), "the respondent was served by SMS"
    with django_capture_on_commit_callbacks(execute=True):
        factories.file_dispute(
            grid_worker, regions["grid1"], RESPONDENT_PHONE,
            on_behalf_of={"full_name": "赵六", "phone": ON_BEHALF_PHONE, "address": "玉泉路7号"},
        )  # fmt: skip
    # A password reset by phone leaves a reset code row.
    with django_capture_on_commit_callbacks(execute=True):
        r = api().post("/api/v1/auth/password-reset/", {"login": CLAIMANT_PHONE}, format="json")
    assert r.status_code == 202

    # The app still finds everyone by phone...
    assert dispute.pk in [d["id"] for d in api(claimant).get("/api/v1/disputes/").json()["results"]]
    text = dump()
    # The journeys' rows are in it (committed, sealed, indexed)...
    assert dispute.reference in text and "wangfang" in text
    assert blind_index(RESPONDENT_PHONE) in text and crypto.ring().current in text
    # ...yet the dump holds none of the values, nor anything shaped like them.
    for secret in (
        CLAIMANT_PHONE,
        RESPONDENT_PHONE,
        ON_BEHALF_PHONE,
        ID_NUMBER,
        "宝石一弄3号",
        "宝石一弄5号",
        "玉泉路7号",
    ):
        assert secret not in text, f"{secret} is in the dump in clear"
    assert PHONE_SHAPE.findall(text) == []
    assert ID_SHAPE.findall(text) == []
