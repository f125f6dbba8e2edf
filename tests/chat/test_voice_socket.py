"""A voice note reaches the room's sockets as a `message` frame with its attachment, and
never the other party's socket when sent in a caucus (docs/chat-protocol.md, "Voice notes")."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from mediation.chat import voice

from .conftest import joined, next_of
from .voice_samples import WEBM_OPUS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield
    await database_sync_to_async(connections.close_all)()


def send_voice(room, user, client_msg_id="v-1"):
    upload = SimpleUploadedFile("v.webm", WEBM_OPUS, content_type="audio/webm")
    return voice.post_voice(room, user, upload, client_msg_id, "1500").frame


async def test_the_broadcast_carries_the_attachment_and_sync_returns_the_same(rooms, claimant, respondent):
    joint = rooms["joint"]
    other = await joined(joint.pk, respondent)
    frame = await sync_to_async(send_voice)(joint, claimant)
    received = await next_of(other, "message")
    assert received == frame
    att = received["message"]["attachment"]
    assert att["kind"] == "voice" and att["duration_ms"] == 1500 and att["size"] == len(WEBM_OPUS)
    await other.send_json_to({"type": "sync", "after": 0})
    assert await next_of(other, "message") == frame  # byte for byte the same from sync
    await other.disconnect()


async def test_a_caucus_voice_note_reaches_no_socket_of_the_other_party(
    rooms, claimant, respondent, mediator
):
    theirs = await joined(rooms["joint"].pk, respondent)
    mediators = await joined(rooms["claimant"].pk, mediator)
    await sync_to_async(send_voice)(rooms["claimant"], claimant)
    assert (await next_of(mediators, "message"))["message"]["attachment"]["kind"] == "voice"
    seen = []
    while not await theirs.receive_nothing(timeout=0.5):
        seen.append((await theirs.receive_json_from())["type"])
    assert "message" not in seen
    await theirs.disconnect()
    await mediators.disconnect()
