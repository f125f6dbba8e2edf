"""The security suite's world: one dispute with everything hanging off it, every role, the routes.

`world` is a dispute in grid1 awaiting signatures (claimant, respondent, an assigned mediator,
evidence, a joint and two caucus rooms with messages, a draft settlement, a notification),
and one signed-in client per role. Its texts carry markers (`MARKERS`) so a test can prove
that a body holds no byte of a dispute its reader may not see. `routes()` lists every URL
pattern from the resolver; `REPORT` collects the figures printed at the end of the run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories, samples

# The roles of the matrix, in the order of the expectation table's columns.
ROLES = [
    "anonymous", "claimant", "respondent", "outsider", "grid_worker", "other_grid_worker",
    "mediator", "other_mediator", "handler", "other_handler", "admin",
]  # fmt: skip
# Who may not see the world's dispute at all: no marker may reach them.
STRANGERS = {"anonymous", "outsider", "other_grid_worker", "other_mediator", "other_handler"}
# Who may read the claimant's caucus (the claimant and the mediator; the admin sees everything).
CAUCUS_READERS = {"claimant", "mediator", "admin"}

MARKERS = {
    "title": "秘密漏水XK7Q",
    "description": "天花板XK7Q描述",
    "joint": "联合房间XK7Q消息",
    "caucus": "背对背XK7Q私密",
    "evidence": "XK7Qreceipt",
}

# Figures for the terminal summary: name → {"label": count}.
REPORT: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
# The hostile-input battery's figures (tests/security/test_battery*.py), printed as one line:
# targets by kind ("write routes", "query routes", "frame types", "forms") and the answers.
BATTERY: dict[str, int] = defaultdict(int)
BATTERY_TARGETS = (
    "write routes",
    "fields of valid payloads",
    "query routes",
    "path routes",
    "frame types",
    "forms",
)


def battery_line() -> str:
    from .hostile import INPUTS

    targets = " + ".join(f"{BATTERY[k]} {k}" for k in BATTERY_TARGETS if BATTERY.get(k))
    answers = ", ".join(
        f"{BATTERY[k]} {label}"
        for k, label in (
            ("refused", "refused 4xx"),
            ("accepted", "accepted"),
            ("5xx", "5xx"),
            ("changed", "changed"),
        )
    )
    return f"battery: {len(INPUTS)} inputs x {targets}: {BATTERY['requests']} requests, {answers}"


def pytest_terminal_summary(terminalreporter):
    if not REPORT and not BATTERY:
        return
    terminalreporter.section("security figures")
    for name, figures in REPORT.items():
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    if BATTERY:
        terminalreporter.write_line(battery_line())


# --- the routes -------------------------------------------------------------------------------
@dataclass
class Route:
    pattern: str  # the full pattern as written in the URL modules, e.g. "api/v1/disputes/<int:pk>/"
    name: str
    view: object
    methods: list[str] = field(default_factory=list)  # the write methods a class-based view declares

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _methods(callback) -> list[str]:
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return []
    return [m.upper() for m in ("put", "patch", "delete") if hasattr(cls, m)]


def routes() -> list[Route]:
    """Every URL pattern of the site, walked from the root resolver."""
    out: list[Route] = []

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
                out.append(Route(prefix + str(entry.pattern), name, entry.callback, _methods(entry.callback)))

    walk(get_resolver(), "", "")
    return out


def websocket_routes() -> list[str]:
    """Every websocket pattern the ASGI application routes."""
    from config.asgi import websocket_urlpatterns

    return [str(p.pattern) for p in websocket_urlpatterns]


# --- statuses ---------------------------------------------------------------------------------
def status_class(response) -> str:
    """ "ok" for 2xx, "login" for a redirect to sign in, "redirect" for another, else the code."""
    code = response.status_code
    if 200 <= code < 300:
        return "ok"
    if 300 <= code < 400:
        location = response.get("Location", "")
        return "login" if "/accounts/login/" in location or "/admin/login/" in location else "redirect"
    return str(code)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def request_rolled_back(client: Client, method: str, url: str, **kwargs):
    """Send one request inside a savepoint that is rolled back, so one role's write never
    changes the world the next role sees."""
    with transaction.atomic():
        response = getattr(client, method.lower())(url, **kwargs)
        body = body_of(response)
        transaction.set_rollback(True)
    response.body = body
    return response


def table_counts() -> dict[str, int]:
    """The row count of every table, in one query."""
    tables = sorted(connection.introspection.table_names())
    quoted = [connection.ops.quote_name(t) for t in tables]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q})" for q in quoted)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


# --- the world --------------------------------------------------------------------------------
@dataclass
class World:
    users: dict
    dispute: object
    rooms: dict
    evidence: object
    settlement: object
    notification: object
    session: object = None  # a caucus session of the claimant's (docs/features/sessions.md)
    joint_session: object = None  # a joint session held an hour ago by all three (docs/features/minutes.md)
    call: object = None  # a live call in the joint room (docs/features/calls.md)
    recording: object = None  # an upload of that call (docs/features/calls.md#recording)
    clients: dict = field(default_factory=dict)

    def client(self, role: str) -> Client:
        if role not in self.clients:
            client = Client(raise_request_exception=False)
            if self.users[role] is not None:
                client.force_login(self.users[role])
            self.clients[role] = client
        return self.clients[role]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(
    media, regions, claimant, respondent, outsider, grid_worker, other_grid_worker, mediator,
    other_mediator, street_handler, advance,
):  # fmt: skip
    from disputes import services
    from mediation.chat import store as chat
    from mediation.models import Call, Recording, Room, Session, Settlement
    from notifications.models import Notification

    other_handler = factories.staff("case_handler", regions["street2"], username="other_handler")
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)
    dispute = factories.file_dispute(
        claimant,
        regions["grid1"],
        respondent.phone,
        title=MARKERS["title"],
        description=MARKERS["description"],
    )
    evidence = services.add_evidence(
        dispute, by=claimant, upload=samples.upload(f"{MARKERS['evidence']}.png", samples.png(), "image/png")
    )
    dispute = advance(dispute, "awaiting_signatures")
    rooms = {room.party or "joint": room for room in Room.objects.filter(dispute=dispute)}
    chat.post_message(rooms["joint"].pk, claimant, MARKERS["joint"], "m-1", broadcast=False)
    chat.post_message(rooms["claimant"].pk, claimant, MARKERS["caucus"], "m-2", broadcast=False)
    from datetime import timedelta

    from django.utils import timezone

    from mediation.sessions import services as sessions

    session = sessions.schedule(
        rooms["claimant"], by=mediator, mode="phone", starts_at=timezone.now() + timedelta(days=2)
    )
    # Made here, not when a route is filled: the battery compares the database around each request.
    joint_session = Session.objects.create(
        dispute=dispute, room=rooms["joint"], mode="in_person", place="调解室",
        starts_at=timezone.now() - timedelta(hours=1), created_by=mediator,
    )  # fmt: skip
    joint_session.attendees.set([claimant, respondent, mediator])
    call = Call.objects.create(room=rooms["joint"], started_by=mediator)
    recording = Recording.objects.create(
        call=call, started_by=mediator, client_id="matrix", content_type="video/webm", file="r/x"
    )
    users = {
        "anonymous": None, "claimant": claimant, "respondent": respondent, "outsider": outsider,
        "grid_worker": grid_worker, "other_grid_worker": other_grid_worker, "mediator": mediator,
        "other_mediator": other_mediator, "handler": street_handler, "other_handler": other_handler,
        "admin": admin,
    }  # fmt: skip
    return World(
        users=users,
        dispute=dispute,
        rooms=rooms,
        evidence=evidence,
        settlement=Settlement.objects.filter(dispute=dispute).latest("pk"),
        notification=Notification.objects.filter(user=claimant, channel="in_app").latest("pk"),
        session=session,
        joint_session=joint_session,
        call=call,
        recording=recording,
    )
