"""Chat fixtures: a dispute in mediation with its rooms, and sockets opened as a user."""

from __future__ import annotations

import importlib

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts import sockets
from config.asgi import application
from disputes.models import Category
from mediation.chat import tickets
from mediation.models import Room

ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def categories(db):
    """The data migration's categories (transactional tests flush every table after each test)."""
    migration = importlib.import_module("disputes.migrations.0002_categories")
    for position, (slug, name, name_en) in enumerate(migration.CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "position": position}
        )


@pytest.fixture(autouse=True)
def chat_settings(settings):
    """Default chat settings for every test (tests that change them do so explicitly)."""
    settings.CHAT_RATE = 10
    settings.CHAT_PRESENCE_TTL = 60
    cache.clear()  # the shared rate windows (chat.ratelimit): ids repeat between tests


@pytest.fixture
def recheck_every_second(monkeypatch):
    """Sockets re-read their credential every second instead of every 20 (accounts.sockets)."""
    monkeypatch.setattr(sockets, "RECHECK_SECONDS", 1.0)


@pytest.fixture
def mediating(dispute, advance):
    """The fixture dispute in mediation, with its three rooms."""
    return advance(dispute, "in_mediation")


@pytest.fixture
def rooms(mediating):
    """{"joint": room, "claimant": caucus, "respondent": caucus}."""
    found = Room.objects.filter(dispute=mediating)
    return {room.party or "joint": room for room in found}


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def token_ticket(user) -> str:
    """A ticket asked for with the user's API token (as a mobile app does)."""
    token, _ = Token.objects.get_or_create(user=user)
    return tickets.issue_ticket(user, ("token", token.key))


async def open_socket(room_id, user=None, *, origin=ORIGIN, ticket=None, cookie=None):
    """A connected communicator (check `.connected`); `user` signs in with a session cookie."""
    headers = []
    if origin:
        headers.append((b"origin", origin.encode()))
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    path = f"/ws/rooms/{room_id}/" + (f"?ticket={ticket}" if ticket else "")
    socket = WebsocketCommunicator(application, path, headers=headers)
    socket.connected, _ = await socket.connect(timeout=5)
    return socket


async def frames_until(socket, kind: str, timeout: float = 3) -> list[dict]:
    """Frames received up to and including the first of type `kind`."""
    seen = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def next_of(socket, kind: str, timeout: float = 3) -> dict:
    return (await frames_until(socket, kind, timeout))[-1]


async def joined(room_id, user, **kwargs):
    """A socket past its hello (returned as socket.hello), presence frames skipped later."""
    socket = await open_socket(room_id, user, **kwargs)
    assert socket.connected
    socket.hello = await next_of(socket, "hello")
    return socket


async def close_code(socket, timeout: float = 3) -> int:
    """The close code the server sends next (skipping any frames before it)."""
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code")
