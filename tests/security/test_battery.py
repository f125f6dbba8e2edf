"""The hostile-input battery over HTTP: every API write route, every route that reads query
parameters and every text path parameter, × every input of `hostile.INPUTS` (docs/security.md).

Writes are sent as the claimant (a party, so most routes parse the body instead of refusing at
the door) with path parameters from the security world; queries as a role that may read the
list. No answer may be a 5xx; an API 4xx carries the JSON error envelope; a refused request
leaves every table's row count and the dispute's row as they were. Requests are rolled back.
One field at a time of valid payloads is in test_battery_fields.py, the websocket frames and
the web forms in test_battery_frames.py and test_battery_forms.py, the exact round trip of
accepted inputs (the settlement PDF too) in test_battery_roundtrip.py.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from disputes.models import Dispute

from .conftest import BATTERY, body_of, routes, table_counts
from .hostile import FIELDS, INPUTS, quote_text
from .test_matrix import fill

pytestmark = pytest.mark.django_db


def ids_of(world) -> dict[str, int]:
    """The placeholders' ids: a grid the claimant's dispute is not in, another person."""
    from accounts.models import Region

    other_grid = Region.objects.filter(kind="grid").exclude(pk=world.dispute.grid_id).first()
    return {"OTHER_GRID": other_grid.pk, "OTHER_USER": world.users["outsider"].pk}


# Written by a refused request on purpose: a failed sign-in counts towards the lockout.
# Refused sign-ins are counted by axes and recorded in the audit log (sign_in_failed).
COUNTED_FAILURES = ("axes_", "core_auditentry")


def snapshot(world):
    counts = {t: n for t, n in table_counts().items() if not t.startswith(COUNTED_FAILURES)}
    return counts, Dispute.objects.filter(pk=world.dispute.pk).values().get()


class Tally:
    """Counts one kind of target's answers into BATTERY and collects the failures."""

    def __init__(self, kind: str, targets: int):
        BATTERY[kind] = targets
        self.failures: list[str] = []

    def answer(self, where: str, response, changed: bool, api: bool) -> None:
        BATTERY["requests"] += 1
        code = response.status_code
        where = f"{where}: {code}"
        if code >= 500:
            BATTERY["5xx"] += 1
            self.failures.append(where)
            return
        if code < 400:
            BATTERY["accepted"] += 1
            return
        BATTERY["refused"] += 1
        if changed:
            BATTERY["changed"] += 1
            self.failures.append(f"{where} changed the database")
        if api:
            self.envelope(where, response)

    def envelope(self, where: str, response) -> None:
        try:
            body = response.json()
        except ValueError:
            self.failures.append(f"{where} without a JSON body")
            return
        if not isinstance(body, dict) or not ({"detail", "code"} <= set(body)) or not body["detail"]:
            self.failures.append(f"{where} without the error envelope: {str(body)[:200]}")

    def check(self) -> None:
        assert not self.failures, f"{len(self.failures)} failures:\n" + "\n".join(self.failures[:60])


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


@pytest.fixture
def quiet_limits(settings):
    """No rate limit stands between an input and the code that parses it."""
    settings.CHAT_RATE = 100_000
    cache.clear()
    yield
    cache.clear()


def test_no_hostile_body_gets_a_5xx_or_changes_anything(world, quiet_limits):
    targets = write_routes()
    tally = Tally("write routes", len(targets))
    ids = ids_of(world)
    client, before = world.client("claimant"), snapshot(world)
    for hostile in INPUTS:
        body = hostile.body(FIELDS, ids)
        for route, method in targets:
            url = fill(route.pattern, world)
            with transaction.atomic():
                response = client.generic(method.upper(), url, body, content_type=hostile.content_type)
                changed = snapshot(world) != before
                transaction.set_rollback(True)
            if "logout" in route.pattern:  # signed out: sign in again (a new session row)
                world.clients.pop("claimant")
                client, before = world.client("claimant"), snapshot(world)
            tally.answer(f"{hostile.name} → {method.upper()} {route.pattern}", response, changed, api=True)
    tally.check()


# Every route that reads query parameters: (role, URL pattern, groups of parameters). A group is
# sent in one request: those a form or serializer checks together (each error reported), while
# parameters read one after another (a filter, then the cursor) get a request each.
FILTERS = ["state", "grid", "category", "overdue", "q", "region", "from", "to", "settled", "rating"]
QUERY_ROUTES = [
    ("claimant", "api/v1/disputes/", [FILTERS, ["cursor"], ["page_size"]]),
    ("grid_worker", "api/v1/queue/", [["cursor"], ["page_size"]]),
    ("claimant", "api/v1/notifications/", [["cursor"], ["page_size"]]),
    ("anonymous", "api/v1/regions/", [["kind"]]),
    ("claimant", "api/v1/rooms/<int:room_id>/messages/", [["after"], ["limit"]]),
    ("grid_worker", "api/v1/stats/", [["region", "from", "to", "category"]]),
    ("grid_worker", "api/v1/disputes/export/", [["format"], FILTERS]),
    ("grid_worker", "api/v1/queue/export/", [["format"]]),
    ("handler", "api/v1/reviews/", [["cursor"]]),
    ("claimant", "disputes/", [["page"]]),
    ("grid_worker", "disputes/queue/", [[*FILTERS, "page", "qpage"]]),
    ("grid_worker", "cockpit/", [["region", "from", "to", "category"]]),
    ("handler", "cases/", [["page", "mine"]]),
    ("handler", "audit/", [["page"], ["action"], ["dispute"]]),
    ("claimant", "notifications/", [["page"]]),
    ("handler", "disputes/reviews/", [["page"]]),
]  # fmt: skip

URL_MAX = 64 * 1024

# Routes whose path takes free text (`<str:...>`): the input goes into that segment.
PATH_ROUTES = [
    ("claimant", "post", "api/v1/disputes/<int:pk>/transitions/{}/"),
    ("claimant", "post", "disputes/<int:pk>/transitions/{}/"),
    ("handler", "post", "cases/<int:pk>/actions/{}/"),
    ("anonymous", "get", "verify/{}/"),
]


def test_no_hostile_query_or_path_gets_a_5xx(world, quiet_limits):
    tally = Tally("query routes", len(QUERY_ROUTES))
    BATTERY["path routes"] = len(PATH_ROUTES)
    ids = ids_of(world)
    for role in {role for role, *_ in QUERY_ROUTES + PATH_ROUTES}:
        world.client(role)  # every session exists before the snapshot
    before = snapshot(world)
    for hostile in INPUTS:
        value = hostile.quoted(ids)
        if len(value) > URL_MAX:
            continue  # no server front takes a URL this long
        for role, pattern, params in QUERY_ROUTES:
            base, api = fill(pattern, world), pattern.startswith("api/")
            for query in ["&".join(f"{p}={value}" for p in group) for group in params]:
                response = world.client(role).get(f"{base}?{query}")
                body_of(response)  # an export streams: read it to the end
                tally.answer(f"{hostile.name} → GET /{pattern}?{query[:40]}", response, False, api)
        for role, method, pattern in PATH_ROUTES:
            url = fill(pattern, world).replace("%7B%7D", "{}").format(quote_text(hostile.text(ids))[:2000])
            with transaction.atomic():
                response = getattr(world.client(role), method)(url)
                changed = snapshot(world) != before
                transaction.set_rollback(True)
            tally.answer(
                f"{hostile.name} → {method.upper()} /{pattern}", response, changed, pattern.startswith("api/")
            )
        assert snapshot(world) == before, f"{hostile.name}: a GET changed the database"
    tally.check()


# --- found on PostgreSQL: a sign-in without a valid client address was a 500 -----------------
@pytest.mark.parametrize("forwarded", ["not-an-address", "x\r\nX-Injected: 1", "1.1.1.1:80", "２.２.２.２"])
def test_a_sign_in_with_a_forged_forwarded_address_is_logged_without_one(claimant, settings, forwarded):
    """axes logs every sign-in's address in an inet column: PostgreSQL refused the forwarded
    hop a client chose (one proxy more configured than there are) and "unknown" (no
    REMOTE_ADDR, e.g. a Unix socket), so the sign-in answered 500 (docs/security.md)."""
    from axes.models import AccessLog
    from django.test import Client

    settings.PROXY_COUNT = 2
    response = Client().post(
        "/accounts/login/",
        {"username": "claimant", "password": "tiaojie-test-pw"},
        HTTP_X_FORWARDED_FOR=f"{forwarded}, 203.0.113.9",
    )
    assert response.status_code == 302, response.content
    assert AccessLog.objects.get(username="claimant").ip_address is None
    Client().force_login(claimant)  # a request without REMOTE_ADDR
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == [None, None]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_sign_in_with_a_5000_character_username_is_refused_and_counted(db, url):
    """axes stores the username of a failed sign-in in a 255-character column: PostgreSQL
    refused a longer one, so the sign-in page answered 500 (docs/security.md)."""
    from axes.models import AccessAttempt
    from django.test import Client

    response = Client().post(url, {"username": "长" * 5000, "password": "x"}, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200 and "长" * 10 in response.content.decode()  # the form again
    assert [len(a.username) for a in AccessAttempt.objects.all()] == [150]
