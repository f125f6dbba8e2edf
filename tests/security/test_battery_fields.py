"""The hostile-input battery, one field at a time: each value input of `hostile.INPUTS` in one
field of an otherwise valid payload, so it passes every other check and meets the code that
stores it (docs/security.md).

No answer may be a 5xx; a refusal is a 4xx with the JSON envelope and changes nothing; an
accepted free-text value comes back exactly (in the answer, or in the dispute's timeline).
Requests are rolled back.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from .hostile import INPUTS
from .test_battery import Tally, ids_of, quiet_limits, snapshot  # noqa: F401 (a fixture)
from .test_matrix import fill

pytestmark = pytest.mark.django_db


def filing(world) -> dict:
    return {
        "title": "楼上漏水", "description": "天花板漏水三个月。", "category": "neighbourhood",
        "grid": world.dispute.grid_id, "respondent": {"name": "李四", "phone": "13911112222"},
        "amount_claimed": "1200.00", "desired_outcome": "赔偿",
    }  # fmt: skip


# (role, method, URL pattern, valid payload, its fields to replace (dotted), the free-text ones)
PAYLOADS = [
    ("anonymous", "post", "api/v1/auth/register/",
     lambda w: {"username": "newcomer", "password": "a-long-pass-9", "full_name": "新人", "phone": "13955556666",
                "email": "new@example.com"},
     ["username", "password", "full_name", "phone", "email"], ["full_name"]),
    ("claimant", "post", "api/v1/disputes/", filing,
     ["title", "description", "category", "grid", "respondent.name", "respondent.phone", "amount_claimed",
      "desired_outcome"], ["title", "description", "respondent.name", "desired_outcome"]),
    ("claimant", "post", "api/v1/rooms/<int:room_id>/messages/",
     lambda w: {"body": "你好", "client_msg_id": "f-1"}, ["body", "client_msg_id"], ["body"]),
    ("claimant", "post", "api/v1/disputes/<int:pk>/transitions/decline_settlement/",
     lambda w: {"reason": "金额不对"}, ["reason"], ["reason"]),
    ("claimant", "put", "api/v1/notifications/preferences/", lambda w: {"sms": True, "email": False},
     ["sms", "email"], []),
    ("mediator", "put", "api/v1/mediators/me/availability/",
     lambda w: {"on_leave_from": "2026-12-20", "on_leave_until": "2026-12-27"},
     ["on_leave_from", "on_leave_until"], []),
]  # fmt: skip


def replaced(payload: dict, dotted: str, raw: str) -> bytes:
    """The payload as JSON with one field's value replaced by raw JSON text."""
    marker = "\x00HOSTILE\x00"
    data = json.loads(json.dumps(payload))
    *path, last = dotted.split(".")
    target = data
    for key in path:
        target = target[key]
    target[last] = marker
    return (
        json.dumps(data, ensure_ascii=False).replace(json.dumps(marker), raw).encode("utf-8", "surrogatepass")
    )


def as_text(raw: str) -> str:
    """What a text field stores for a JSON value: a string as is, a number as Python's text
    of it (DRF's CharField takes numbers: 1e-400 is 0.0)."""
    try:
        value = json.loads(raw)
        return value if isinstance(value, str) else str(value)
    except ValueError:  # a 5,000-digit integer: past Python's limit for int → str
        return raw


def strings_in(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(strings_in(v) for v in value)) if value else set()
    return set()


def test_one_hostile_field_in_a_valid_payload(world, quiet_limits):  # noqa: F811
    fields = sum(len(p[4]) for p in PAYLOADS)
    tally = Tally("fields of valid payloads", fields)
    ids, values = ids_of(world), [h for h in INPUTS if not h.whole]
    clients = {role: world.client(role) for role in {p[0] for p in PAYLOADS}}
    before = snapshot(world)
    for role, method, pattern, payload, names, texts in PAYLOADS:
        url = fill(pattern, world)
        for name in names:
            for hostile in values:
                body = replaced(payload(world), name, hostile.value(ids))
                with transaction.atomic():
                    response = clients[role].generic(
                        method.upper(), url, body, content_type="application/json"
                    )
                    changed = snapshot(world) != before
                    readback = strings_in(response.json()) if response.status_code < 300 else set()
                    if name in texts and response.status_code < 300:
                        events = world.client("claimant").get(f"/api/v1/disputes/{world.dispute.pk}/events/")
                        readback |= strings_in(events.json())
                    transaction.set_rollback(True)
                where = f"{hostile.name} in {name} → {method.upper()} /{pattern}"
                tally.answer(where, response, changed, api=True)
                expected = as_text(hostile.value(ids))
                if name in texts and response.status_code < 300 and expected.strip() not in readback:
                    tally.failures.append(
                        f"{where}: accepted, but {expected[:40]!r} did not come back exactly"
                    )
    tally.check()
