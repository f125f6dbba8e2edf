"""The hostile-input battery: every API write endpoint × malformed and odd inputs (docs/security.md).

Each input is sent as the claimant (a party, so most endpoints parse the body instead of
refusing at the door) to every API route with a write method, with path parameters from the
security world. No answer may be a 5xx; a 4xx carries the JSON error envelope and leaves every
table's row count and the dispute's row as they were. Requests are rolled back afterwards.
"""

from __future__ import annotations

import json

import pytest

from disputes.models import Dispute

from .conftest import REPORT, routes, table_counts
from .test_matrix import fill

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000
INPUTS = {
    "truncated": '{"reason": "漏',
    "empty list": "[]",
    "null": "null",
    "1e309": '{"score": 1e309, "amount": 1e309}',
    "10,000-deep nesting": DEEP,
    "NaN": '{"score": NaN, "after": NaN}',
    "lone surrogate": '{"body": "\\ud800", "reason": "\\udfff", "client_msg_id": "\\ud800"}',
    "NUL": '{"body": "a\\u0000b", "reason": "\\u0000", "full_name": "\\u0000"}',
    "duplicate keys": '{"reason": "一", "reason": "二", "score": 1, "score": 9}',
    "id of the wrong type": '{"mediator": "abc", "grid": [], "request": {}}',
    "id past 2^63": '{"mediator": 9223372036854775808, "grid": 9223372036854775808}',
    "last_seq -1": '{"after": -1, "seq": -1}',
    "last_seq 2^63": '{"after": 9223372036854775808}',
    "last_seq abc": '{"after": "abc"}',
    "full-width phone": '{"phone": "１３８００１３８０００", "respondent": {"name": "李四", "phone": "１３８００１３８０００"}}',
    "+86 phone": '{"phone": "+86 138 0013 8000"}',
    "bad ID check digit": '{"id_number": "11010519491231002X", "id_card": "110105194912310021"}',
    "rare CJK names": json.dumps({"full_name": "𠀀𪚥", "name": "买买提·艾力", "reason": "𪚥"}),
    "5,000 combining marks": json.dumps({"body": "a" + "\u0301" * 5000, "reason": "a" + "\u0301" * 5000}),
    "not JSON at all": "\xff\xfe<xml/>",
}


def write_routes():
    out = []
    for route in routes():
        if not route.is_api:
            continue
        view = getattr(route.view, "cls", None)
        for method in ("post", "put", "patch"):
            if view is not None and hasattr(view, method):
                out.append((route, method))
    return out


def test_no_hostile_input_gets_a_5xx_or_changes_anything(world):
    client = world.client("claimant")
    targets = write_routes()
    failures = []
    figures = REPORT["hostile-input battery"]
    for label, raw in INPUTS.items():
        for route, method in targets:
            url = fill(route.pattern, world)
            before = (table_counts(), Dispute.objects.filter(pk=world.dispute.pk).values().get())
            from django.db import transaction

            with transaction.atomic():
                response = getattr(client, method)(
                    url, data=raw.encode("utf-8", "surrogatepass"), content_type="application/json"
                )
                after = (table_counts(), Dispute.objects.filter(pk=world.dispute.pk).values().get())
                transaction.set_rollback(True)
            figures["inputs x endpoints"] += 1
            code = response.status_code
            where = f"{label} → {method.upper()} {route.pattern}: {code}"
            if code >= 500:
                figures["5xx"] += 1
                failures.append(where)
            elif code >= 400:
                figures["refused"] += 1
                try:
                    body = response.json()
                except ValueError:
                    failures.append(f"{where} without a JSON body")
                    continue
                if not ({"detail", "code"} <= set(body)):
                    failures.append(f"{where} without the error envelope: {body}")
                if after != before:
                    failures.append(f"{where} changed the database")
            else:
                figures["accepted"] += 1
    figures.setdefault("5xx", 0)
    assert not failures, "\n".join(failures)
