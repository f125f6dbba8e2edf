"""Chat sockets in disputes with several parties on a side: who may open which room, a joint
message reaching every member, caucus confidentiality, and sockets closing when an agent's
authorisation is revoked (docs/chat-protocol.md, docs/features/parties.md)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connections

from tests.chat.conftest import (  # noqa: F401 (autouse fixtures)
    categories,
    chat_settings,
    close_code,
    frames_until,
    joined,
    next_of,
    open_socket,
)

from .rooms_world import build, revoke

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    yield
    await database_sync_to_async(connections.close_all)()


@pytest.fixture(params=["1x3", "3x1"])
def world(request, dispute, advance, grid_worker, claimant, respondent):
    return build(request.param, dispute, advance, grid_worker, claimant, respondent)


def send_frame(body, client_msg_id):
    return {"type": "send", "body": body, "client_msg_id": client_msg_id}


async def room_id(world, name):
    return (await sync_to_async(world.room)(name)).pk


async def test_non_members_are_closed_with_4403(world):
    refused = [
        ("p3", "p2"),  # another party's caucus, on the same side
        ("agent", "p2"),  # the agent of another party
        ("guardian", "claimant"),
        ("p2", "respondent"),
        ("pending", "joint"),  # authorisation not checked yet
        ("rejected", "joint"),
        ("mute", "joint"),  # approved, but not to chat
        ("p4", "joint"),  # declined or withdrew
    ]
    for user, room in refused:
        socket = await open_socket(await room_id(world, room), world.users[user])
        assert socket.connected
        assert await close_code(socket) == 4403, (user, room)


async def test_a_joint_message_reaches_every_member(world):
    names = ["claimant", "respondent", "p2", "p3", "guardian", "agent", "mediator"]
    joint = await room_id(world, "joint")
    sockets = [await joined(joint, world.users[name]) for name in names]
    await sockets[5].send_json_to(send_frame("代理人：同意分期", "ag-1"))
    for name, socket in zip(names, sockets, strict=True):
        frame = await next_of(socket, "message")
        assert frame["message"]["body"] == "代理人：同意分期", name
        assert frame["message"]["author"]["id"] == world.users["agent"].pk
    for socket in sockets:
        await socket.disconnect()


async def test_a_caucus_stays_between_its_party_and_the_mediator(world):
    p2_room, p3_room = await room_id(world, "p2"), await room_id(world, "p3")
    guardian = await joined(p2_room, world.users["guardian"])
    p2 = await joined(p2_room, world.users["p2"])
    mediator = await joined(p2_room, world.users["mediator"])
    other = await joined(p3_room, world.users["p3"])
    other_agent = await joined(await room_id(world, "joint"), world.users["agent"])
    await p2.send_json_to(send_frame("只对调解员说", "p2-1"))
    for socket in (guardian, p2, mediator):
        assert (await next_of(socket, "message"))["message"]["body"] == "只对调解员说"
    for socket in (other, other_agent):
        while not await socket.receive_nothing(timeout=0.3):  # presence frames only, no message
            assert (await socket.receive_json_from())["type"] != "message"
    await other.send_json_to({"type": "sync", "after": 0})
    frames = await frames_until(other, "synced")
    assert [f for f in frames if f["type"] == "message"] == [] and frames[-1]["last_seq"] == 0
    for socket in (guardian, p2, mediator, other, other_agent):
        await socket.disconnect()


async def test_revoking_an_agent_closes_their_sockets(world):
    agent = world.users["agent"]
    joint = await joined(await room_id(world, "joint"), agent)
    caucus = await joined(await room_id(world, "p3"), agent)
    await sync_to_async(revoke)(world.reps["agent"])
    assert await close_code(joint) == 4403
    assert await close_code(caucus) == 4403
