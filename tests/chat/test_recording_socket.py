"""Consent and recordings reach the room's sockets as `message` frames carrying `event`
(docs/features/calls.md), and never the other party's socket for a caucus call."""

from __future__ import annotations

import hashlib

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connections

from mediation.models import Call
from mediation.recordings import service

from .conftest import joined, next_of
from .voice_samples import WEBM_VIDEO

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield
    await database_sync_to_async(connections.close_all)()


def recorded(room, mediator, members) -> str:
    call = Call.objects.create(room=room, started_by=mediator)
    for user in members:
        service.set_consent(call, user, True)
    rec, _ = service.start(call, mediator, "mediator", "video/webm", "r-1")
    service.append(rec.pk, mediator, "0", WEBM_VIDEO)
    service.complete(rec.pk, mediator, hashlib.sha256(WEBM_VIDEO).hexdigest(), len(WEBM_VIDEO))
    return str(call.pk)


async def test_consent_and_the_recording_arrive_as_events(rooms, claimant, respondent, mediator):
    joint = rooms["joint"]
    other = await joined(joint.pk, respondent)
    call = await sync_to_async(recorded)(joint, mediator, (claimant, respondent, mediator))
    first = await next_of(other, "message")
    assert first["message"]["event"] == {"call": call, "action": "consent", "consent": True}
    assert first["message"]["author"]["role"] == "claimant"
    await next_of(other, "message")
    await next_of(other, "message")
    last = (await next_of(other, "message"))["message"]
    assert (
        last["event"]["action"] == "recording"
        and last["event"]["sha256"] == hashlib.sha256(WEBM_VIDEO).hexdigest()
    )
    assert (
        last["attachment"]["kind"] == "recording" and last["attachment"]["sha256"] == last["event"]["sha256"]
    )
    await other.disconnect()


async def test_a_caucus_recording_reaches_no_socket_of_the_other_party(rooms, claimant, respondent, mediator):
    theirs = await joined(rooms["joint"].pk, respondent)
    mediators = await joined(rooms["claimant"].pk, mediator)
    await sync_to_async(recorded)(rooms["claimant"], mediator, (claimant, mediator))
    for _ in range(3):
        assert "event" in (await next_of(mediators, "message"))["message"]
    seen = []
    while not await theirs.receive_nothing(timeout=0.5):
        seen.append((await theirs.receive_json_from())["type"])
    assert "message" not in seen
    await theirs.disconnect()
    await mediators.disconnect()
