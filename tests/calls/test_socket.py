"""Calls over the room socket (docs/chat-protocol.md, "Calls"): lifecycle, relayed
signalling, refusals, caucus confidentiality, losing access mid-call, and the record."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connections

from disputes import services
from mediation.chat import store
from mediation.models import Call, Message
from tests.chat.conftest import close_code, frames_until, joined, next_of, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    yield
    await database_sync_to_async(connections.close_all)()


async def error_code(socket) -> str:
    return (await next_of(socket, "error"))["code"]


async def started(socket, media="video") -> dict:
    await socket.send_json_to({"type": "call_start", "media": media})
    return (await next_of(socket, "call"))["call"]


async def in_call(socket, call_id, user) -> dict:
    """Join, and the `call` frame that lists `user`."""
    await socket.send_json_to({"type": "call_join", "call": call_id})
    while True:
        call = (await next_of(socket, "call"))["call"]
        if call["id"] == call_id and user.pk in [p["id"] for p in call["participants"]]:
            return call


async def nothing_more(socket, timeout=0.3) -> list[dict]:
    """Frames that arrive within `timeout` (none expected, usually)."""
    got = []
    while not await socket.receive_nothing(timeout=timeout):
        got.append(await socket.receive_json_from())
    return got


async def close_all(*sockets):
    for socket in sockets:
        await socket.disconnect()


# --- lifecycle ----------------------------------------------------------------------------------
async def test_the_mediator_starts_a_call_a_party_joins_and_both_see_who_is_in(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    assert call["media"] == "video" and call["state"] == "live" and call["started_by"] == mediator.pk
    assert [p["id"] for p in call["participants"]] == [mediator.pk]
    seen = await next_of(c, "call")
    assert seen["call"]["id"] == call["id"]
    await c.send_json_to({"type": "call_join", "call": call["id"]})
    for socket in (m, c):
        state = await next_of(socket, "call")
        assert [p["id"] for p in state["call"]["participants"]] == [mediator.pk, claimant.pk]
    await close_all(m, c)


async def test_start_join_leave_end_are_messages_in_seq_order_delivered_by_sync(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m, "audio")
    await in_call(c, call["id"], claimant)
    await c.send_json_to({"type": "call_leave", "call": call["id"]})
    await next_of(c, "call")
    await m.send_json_to({"type": "call_end", "call": call["id"]})
    ended = await next_of(m, "call")
    while ended["call"]["state"] != "ended":
        ended = await next_of(m, "call")
    assert ended["call"]["participants"] == [] and ended["call"]["end_reason"] == "ended"
    late = await joined(rooms["joint"].pk, claimant)
    await late.send_json_to({"type": "sync", "after": 0})
    messages = [f["message"] for f in await frames_until(late, "synced") if f["type"] == "message"]
    assert [(x["seq"], x["author"]["id"], x["event"]["action"]) for x in messages] == [
        (1, mediator.pk, "start"), (2, claimant.pk, "join"), (3, claimant.pk, "leave"), (4, mediator.pk, "end")
    ]  # fmt: skip
    assert all(
        x["event"] == {"call": call["id"], "action": x["event"]["action"], "media": "audio"} for x in messages
    )
    assert messages[0]["body"]  # a readable line in the record
    await close_all(m, c, late)


async def test_an_ordinary_message_has_a_null_event(rooms, claimant):
    c = await joined(rooms["joint"].pk, claimant)
    await c.send_json_to({"type": "send", "body": "你好", "client_msg_id": "x1"})
    assert (await next_of(c, "message"))["message"]["event"] is None
    await close_all(c)


async def test_a_second_call_is_refused_while_one_is_live(rooms, mediator):
    m = await joined(rooms["joint"].pk, mediator)
    await started(m)
    other = await joined(rooms["joint"].pk, mediator)
    await other.send_json_to({"type": "call_start", "media": "audio"})
    assert await error_code(other) == "call_live"
    await close_all(m, other)


async def test_the_last_member_leaving_ends_the_call(rooms, mediator):
    m = await joined(rooms["joint"].pk, mediator)
    call = await started(m)
    await m.send_json_to({"type": "call_leave", "call": call["id"]})
    state = await next_of(m, "call")
    assert state["call"]["state"] == "ended" and state["call"]["end_reason"] == "empty"
    assert await sync_to_async(Call.objects.filter(ended_at__isnull=True).count)() == 0
    await close_all(m)


async def test_a_socket_that_connects_during_a_call_is_told_of_it(rooms, mediator, respondent):
    m = await joined(rooms["joint"].pk, mediator)
    call = await started(m)
    r = await joined(rooms["joint"].pk, respondent)
    assert (await next_of(r, "call"))["call"]["id"] == call["id"]
    await close_all(m, r)


async def test_a_dropped_socket_leaves_the_call_and_may_rejoin(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await c.disconnect()
    state = await next_of(m, "call")
    while [p["id"] for p in state["call"]["participants"]] != [mediator.pk]:
        state = await next_of(m, "call")
    again = await joined(rooms["joint"].pk, claimant)
    assert [p["id"] for p in (await in_call(again, call["id"], claimant))["participants"]] == [
        mediator.pk,
        claimant.pk,
    ]
    await close_all(m, again)


# --- relayed signalling -------------------------------------------------------------------------
async def test_offer_answer_ice_and_mute_reach_only_whom_they_are_for(rooms, mediator, claimant, respondent):
    m, c, r = [await joined(rooms["joint"].pk, u) for u in (mediator, claimant, respondent)]
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await in_call(r, call["id"], respondent)
    await nothing_more(m)
    await nothing_more(c)
    await nothing_more(r)
    cid = call["id"]
    await r.send_json_to({"type": "call_offer", "call": cid, "to": mediator.pk, "sdp": SDP})
    assert await next_of(m, "call_offer") == {
        "type": "call_offer",
        "call": cid,
        "from": respondent.pk,
        "sdp": SDP,
    }
    await m.send_json_to({"type": "call_answer", "call": cid, "to": respondent.pk, "sdp": SDP})
    assert await next_of(r, "call_answer") == {
        "type": "call_answer",
        "call": cid,
        "from": mediator.pk,
        "sdp": SDP,
    }
    await r.send_json_to({"type": "call_ice", "call": cid, "to": mediator.pk, "candidate": CANDIDATE})
    got = await next_of(m, "call_ice")
    assert got == {"type": "call_ice", "call": cid, "from": respondent.pk, "candidate": CANDIDATE}
    assert await nothing_more(c) == []  # the claimant was addressed by none of these
    await c.send_json_to({"type": "call_mute", "call": cid, "audio": False, "video": True})
    mute = {"type": "call_mute", "call": cid, "user": claimant.pk, "audio": False, "video": True}
    assert await next_of(m, "call_mute") == mute and await next_of(r, "call_mute") == mute
    assert await nothing_more(c) == []
    await close_all(m, c, r)


async def test_signals_are_never_stored(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await c.send_json_to({"type": "call_offer", "call": call["id"], "to": mediator.pk, "sdp": SDP})
    await next_of(m, "call_offer")
    bodies = await sync_to_async(lambda: list(Message.objects.values_list("body", flat=True)))()
    assert len(bodies) == 2 and all("v=0" not in body for body in bodies)
    await close_all(m, c)


async def test_a_member_not_in_the_call_cannot_signal_and_is_not_signalled(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    await next_of(c, "call")
    await c.send_json_to({"type": "call_offer", "call": call["id"], "to": mediator.pk, "sdp": SDP})
    assert await error_code(c) == "stale_call"
    await m.send_json_to({"type": "call_offer", "call": call["id"], "to": claimant.pk, "sdp": SDP})
    assert [f for f in await nothing_more(c) if f["type"] == "call_offer"] == []
    await close_all(m, c)


# --- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "frame",
    [
        {"type": "call_start"},
        {"type": "call_start", "media": "hologram"},
        {"type": "call_join"},
        {"type": "call_join", "call": 42},
        {"type": "call_offer", "call": "CALL", "to": 1},
        {"type": "call_offer", "call": "CALL", "to": 1, "sdp": ""},
        {"type": "call_offer", "call": "CALL", "to": 1, "sdp": "a" * (16 * 1024 + 1)},
        {"type": "call_answer", "call": "CALL", "to": "1", "sdp": SDP},
        {"type": "call_answer", "call": "CALL", "to": True, "sdp": SDP},
        {"type": "call_ice", "call": "CALL", "to": 1, "candidate": "candidate:1"},
        {"type": "call_ice", "call": "CALL", "to": 1, "candidate": {"candidate": "x" * 1100}},
        {"type": "call_ice", "call": "CALL", "to": 1, "candidate": {"candidate": "x", "evil": 1}},
        {"type": "call_mute", "call": "CALL", "audio": "no", "video": True},
        {"type": "call_dance", "call": "CALL"},
    ],
)
async def test_malformed_call_frames_are_bad_frames(rooms, mediator, frame):
    m = await joined(rooms["joint"].pk, mediator)
    call = await started(m)
    if frame.get("call") == "CALL":
        frame = frame | {"call": call["id"]}
    await m.send_json_to(frame)
    assert await error_code(m) == "bad_frame"
    await close_all(m)


async def test_an_unknown_or_ended_call_is_stale(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    await c.send_json_to({"type": "call_join", "call": str(uuid.uuid4())})
    assert await error_code(c) == "stale_call"
    await c.send_json_to({"type": "call_join", "call": "not-a-uuid"})
    assert await error_code(c) == "stale_call"
    call = await started(m)
    await m.send_json_to({"type": "call_end", "call": call["id"]})
    while (await next_of(c, "call"))["call"]["state"] != "ended":  # the end has committed
        pass
    await c.send_json_to({"type": "call_join", "call": call["id"]})
    assert await error_code(c) == "stale_call"
    await m.send_json_to({"type": "call_offer", "call": call["id"], "to": claimant.pk, "sdp": SDP})
    assert await error_code(m) == "stale_call"
    await close_all(m, c)


async def test_a_call_of_another_room_is_stale_here(rooms, mediator):
    caucus = await joined(rooms["claimant"].pk, mediator)
    call = await started(caucus)
    joint = await joined(rooms["joint"].pk, mediator)
    await joint.send_json_to({"type": "call_join", "call": call["id"]})
    assert await error_code(joint) == "stale_call"
    await joint.send_json_to({"type": "call_join", "call": call["id"], "room": rooms["claimant"].pk})
    assert await error_code(joint) == "wrong_room"
    await close_all(caucus, joint)


async def test_parties_cannot_start_or_end_a_call(rooms, mediator, claimant):
    c = await joined(rooms["joint"].pk, claimant)
    await c.send_json_to({"type": "call_start", "media": "video"})
    assert await error_code(c) == "forbidden"
    m = await joined(rooms["joint"].pk, mediator)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await c.send_json_to({"type": "call_end", "call": call["id"]})
    assert await error_code(c) == "forbidden"
    assert await sync_to_async(Call.objects.filter(ended_at__isnull=True).count)() == 1
    await close_all(m, c)


async def test_a_non_member_never_gets_a_socket_to_call_on(rooms, outsider):
    socket = await open_socket(rooms["joint"].pk, outsider)
    assert await close_code(socket) == 4403


async def test_no_call_starts_or_is_joined_in_a_read_only_room(rooms, mediator, claimant):
    from mediation.calls import service

    call = await sync_to_async(service.start)(rooms["joint"].pk, mediator, "video")
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "无法达成一致"}
    )
    c = await joined(rooms["joint"].pk, claimant)
    await c.send_json_to({"type": "call_start", "media": "video"})
    assert await error_code(c) == "read_only"
    await c.send_json_to({"type": "call_join", "call": str(call.call.pk)})
    assert await error_code(c) == "read_only"
    await close_all(c)


async def test_a_call_ends_when_its_room_becomes_read_only(rooms, mediator, claimant):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "无法达成一致"}
    )
    state = await next_of(c, "call", timeout=2)
    assert state["call"]["state"] == "ended" and state["call"]["end_reason"] == "read_only"
    await c.send_json_to({"type": "call_offer", "call": call["id"], "to": mediator.pk, "sdp": SDP})
    assert await error_code(c) == "stale_call"
    await close_all(m, c)


# --- caucus confidentiality ---------------------------------------------------------------------
async def test_a_caucus_call_never_reaches_the_other_party(rooms, mediator, claimant, respondent):
    joint_r = await joined(rooms["joint"].pk, respondent)
    caucus_r = await joined(rooms["respondent"].pk, respondent)
    m = await joined(rooms["claimant"].pk, mediator)
    c = await joined(rooms["claimant"].pk, claimant)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await c.send_json_to({"type": "call_offer", "call": call["id"], "to": mediator.pk, "sdp": SDP})
    await next_of(m, "call_offer")
    await m.send_json_to({"type": "call_offer", "call": call["id"], "to": respondent.pk, "sdp": SDP})
    await m.send_json_to({"type": "call_end", "call": call["id"]})
    for socket in (joint_r, caucus_r):
        got = await nothing_more(socket, 0.5)
        assert [f for f in got if f["type"] not in ("presence",)] == []
        await socket.send_json_to({"type": "sync", "after": 0})
        assert all(f["type"] != "message" for f in await frames_until(socket, "synced"))
    await close_all(joint_r, caucus_r, m, c)


# --- flood --------------------------------------------------------------------------------------
async def test_an_ice_flood_is_rate_limited_and_the_excess_is_not_relayed(
    rooms, mediator, claimant, settings
):
    settings.CALL_SIGNAL_BURST, settings.CALL_SIGNAL_RATE = 50, 20
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await nothing_more(m)
    await nothing_more(c)
    for n in range(200):
        candidate = CANDIDATE | {"candidate": f"candidate:{n} 1 udp 1 127.0.0.1 {50000 + n} typ host"}
        await c.send_json_to(
            {"type": "call_ice", "call": call["id"], "to": mediator.pk, "candidate": candidate}
        )
    errors = [f for f in await nothing_more(c, 0.5) if f["type"] == "error"]
    assert {f["code"] for f in errors} == {"rate_limited"} and len(errors) <= 2
    relayed = [f for f in await nothing_more(m, 0.5) if f["type"] == "call_ice"]
    assert 50 <= len(relayed) < 200
    await close_all(m, c)


# --- access removed mid-call --------------------------------------------------------------------
async def test_a_member_whose_access_ends_leaves_the_call_within_2_seconds(
    rooms, mediator, claimant, respondent
):
    m, c, r = [await joined(rooms["joint"].pk, u) for u in (mediator, claimant, respondent)]
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await in_call(r, call["id"], respondent)
    await nothing_more(m)
    claimant.is_active = False  # deactivated: every socket of theirs closes (chat.hooks)
    await sync_to_async(claimant.save)()
    assert await close_code(c, timeout=2) == 4401
    leave = await next_of(m, "message", timeout=2)
    assert leave["message"]["event"]["action"] == "leave" and leave["message"]["author"]["id"] == claimant.pk
    state = await next_of(m, "call", timeout=2)
    assert [p["id"] for p in state["call"]["participants"]] == [mediator.pk, respondent.pk]
    assert state["call"]["state"] == "live"
    await close_all(m, r)


async def test_replacing_the_mediator_ends_the_call_and_closes_their_socket(
    rooms, mediator, claimant, grid_worker
):
    m, c = await joined(rooms["joint"].pk, mediator), await joined(rooms["joint"].pk, claimant)
    call = await started(m)
    await in_call(c, call["id"], claimant)
    await nothing_more(c)
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "replace_mediator", by=grid_worker, payload={"reason": "当事人申请回避"}
    )
    assert await close_code(m, timeout=2) == 4403
    state = await next_of(c, "call", timeout=2)
    assert state["call"]["state"] == "ended" and state["call"]["participants"] == []
    await close_all(c)


def test_call_events_in_the_record_are_readable(rooms, mediator):
    from mediation.calls import service

    outcome = service.start(rooms["joint"].pk, mediator, "video")
    message = Message.objects.get(event__call=str(outcome.call.pk))
    assert message.event == {"call": str(outcome.call.pk), "action": "start", "media": "video"}
    assert mediator.full_name in message.body
    frames, _last = store.sync_frames(rooms["joint"].pk, message.seq - 1)  # what a reconnecting client reads
    assert frames[0]["message"]["event"] == message.event and frames[0]["message"]["body"] == message.body


async def test_signals_for_a_call_one_is_not_in_count_against_the_chat_limit(rooms, claimant):
    c = await joined(rooms["joint"].pk, claimant)
    await nothing_more(c)
    for _ in range(30):
        await c.send_json_to({"type": "call_ice", "call": str(uuid.uuid4()), "to": 1, "candidate": CANDIDATE})
    codes = [f["code"] for f in await nothing_more(c, 0.5) if f["type"] == "error"]
    assert "rate_limited" in codes and codes.count("stale_call") <= 20
    await close_all(c)
