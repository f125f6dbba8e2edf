"""The chat socket, frame by frame and close code by close code (docs/chat-protocol.md)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import connections
from django.test import Client
from django.utils import timezone

from core.errors import ServiceError
from disputes import services
from mediation.chat import store as chat
from mediation.models import Message, Presence

from .conftest import close_code, frames_until, joined, next_of, open_socket, token_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    """The consumers' database calls run in asgiref's executor thread: close its connection
    after each test so the test database can be dropped."""
    yield
    await database_sync_to_async(connections.close_all)()


def send_frame(body="你好", client_msg_id="c-1"):
    return {"type": "send", "body": body, "client_msg_id": client_msg_id}


# --- connecting -------------------------------------------------------------------------------
async def test_a_member_is_greeted_with_the_last_seq_and_writability(rooms, claimant):
    await sync_to_async(chat.post_message)(rooms["joint"].pk, claimant, "早上好", "c-0")
    socket = await joined(rooms["joint"].pk, claimant)
    assert socket.hello == {"type": "hello", "room": rooms["joint"].pk, "last_seq": 1, "writable": True}
    await socket.disconnect()


async def test_an_anonymous_socket_is_accepted_then_closed_with_4401(rooms):
    socket = await open_socket(rooms["joint"].pk)
    assert socket.connected
    assert await close_code(socket) == 4401


async def test_an_outsider_is_closed_with_4403(rooms, outsider):
    socket = await open_socket(rooms["joint"].pk, outsider)
    assert socket.connected
    assert await close_code(socket) == 4403


async def test_the_other_party_cannot_open_a_caucus_room(rooms, respondent, claimant):
    socket = await open_socket(rooms["claimant"].pk, respondent)
    assert await close_code(socket) == 4403
    socket = await open_socket(rooms["respondent"].pk, claimant)
    assert await close_code(socket) == 4403


async def test_staff_who_see_the_dispute_are_not_members(rooms, grid_worker):
    socket = await open_socket(rooms["joint"].pk, grid_worker)
    assert await close_code(socket) == 4403


async def test_a_room_that_does_not_exist_is_closed_with_4404(rooms, claimant):
    socket = await open_socket(999999, claimant)
    assert socket.connected
    assert await close_code(socket) == 4404


async def test_a_session_cookie_without_origin_is_refused_at_the_handshake(rooms, claimant):
    socket = await open_socket(rooms["joint"].pk, claimant, origin=None)
    assert not socket.connected


async def test_a_foreign_origin_is_refused_at_the_handshake(rooms, claimant):
    socket = await open_socket(rooms["joint"].pk, claimant, origin="http://evil.example")
    assert not socket.connected
    ticket = await sync_to_async(token_ticket)(claimant)
    socket = await open_socket(rooms["joint"].pk, ticket=ticket, origin="http://127.0.0.1:9999")
    assert not socket.connected


async def test_a_ticket_opens_a_socket_without_origin_once(rooms, claimant):
    ticket = await sync_to_async(token_ticket)(claimant)
    socket = await open_socket(rooms["joint"].pk, ticket=ticket, origin=None)
    assert (await next_of(socket, "hello"))["room"] == rooms["joint"].pk
    await socket.disconnect()
    again = await open_socket(rooms["joint"].pk, ticket=ticket, origin=None)
    assert await close_code(again) == 4401


async def test_a_ticket_with_an_allowed_origin_works_too(rooms, claimant):
    ticket = await sync_to_async(token_ticket)(claimant)
    socket = await open_socket(rooms["joint"].pk, ticket=ticket)
    assert (await next_of(socket, "hello"))["writable"] is True
    await socket.disconnect()


async def test_an_expired_or_made_up_ticket_is_not_authenticated(rooms, claimant):
    from mediation.models import WsTicket

    ticket = await sync_to_async(token_ticket)(claimant)
    await WsTicket.objects.all().aupdate(expires_at=timezone.now() - timedelta(seconds=1))
    socket = await open_socket(rooms["joint"].pk, ticket=ticket, origin=None)
    assert await close_code(socket) == 4401
    socket = await open_socket(rooms["joint"].pk, ticket="made-up", origin=None)
    assert await close_code(socket) == 4401


async def test_a_ticket_wins_over_a_session_cookie(rooms, claimant, outsider):
    ticket = await sync_to_async(token_ticket)(outsider)
    socket = await open_socket(rooms["joint"].pk, claimant, ticket=ticket)
    assert await close_code(socket) == 4403


# --- sending and syncing ----------------------------------------------------------------------
async def test_a_message_is_stored_then_sent_to_every_member_including_the_sender(
    rooms, claimant, respondent, mediator
):
    sockets = [await joined(rooms["joint"].pk, user) for user in (claimant, respondent, mediator)]
    await sockets[0].send_json_to(send_frame("楼上漏水的事，我们谈谈。", "m-1"))
    frames = [await next_of(socket, "message") for socket in sockets]
    stored = await Message.objects.aget(room=rooms["joint"])
    expected = {
        "type": "message",
        "message": {
            "seq": 1,
            "id": stored.pk,
            "author": {"id": claimant.pk, "name": "张三", "role": "claimant"},
            "body": "楼上漏水的事，我们谈谈。",
            "sent_at": stored.sent_at.isoformat(),
            "client_msg_id": "m-1",
            "attachment": None,
            "event": None,
        },
    }
    assert frames == [expected] * 3
    for socket in sockets:
        await socket.disconnect()


async def test_seqs_are_gap_free_and_each_senders_messages_keep_their_order(rooms, claimant, mediator):
    a, b = await joined(rooms["joint"].pk, claimant), await joined(rooms["joint"].pk, mediator)
    for n in range(6):
        await (a if n % 2 else b).send_json_to(send_frame(f"第{n}条", f"id-{n}"))
    got = [(await next_of(a, "message"))["message"] for _ in range(6)]
    assert [m["seq"] for m in got] == [1, 2, 3, 4, 5, 6]
    assert [m["body"] for m in got if m["author"]["id"] == claimant.pk] == ["第1条", "第3条", "第5条"]
    assert [m["body"] for m in got if m["author"]["id"] == mediator.pk] == ["第0条", "第2条", "第4条"]
    await a.disconnect()
    await b.disconnect()


async def test_the_same_client_msg_id_twice_stores_one_message_and_acknowledges_again(
    rooms, claimant, mediator
):
    sender, other = await joined(rooms["joint"].pk, claimant), await joined(rooms["joint"].pk, mediator)
    await sender.send_json_to(send_frame("只发一次", "dup-1"))
    first = await next_of(sender, "message")
    await next_of(other, "message")
    await sender.send_json_to(send_frame("只发一次", "dup-1"))
    again = await next_of(sender, "message")
    assert again == first
    assert await Message.objects.filter(room=rooms["joint"]).acount() == 1
    assert await other.receive_nothing(timeout=0.3)  # the others got it once
    await sender.disconnect()
    await other.disconnect()


async def test_the_same_client_msg_id_from_another_author_is_another_message(rooms, claimant, mediator):
    a, b = await joined(rooms["joint"].pk, claimant), await joined(rooms["joint"].pk, mediator)
    await a.send_json_to(send_frame("甲", "same"))
    assert (await next_of(b, "message"))["message"]["seq"] == 1
    await b.send_json_to(send_frame("乙", "same"))
    assert (await next_of(b, "message"))["message"] | {"id": 0, "sent_at": ""} == {
        "seq": 2, "id": 0, "author": {"id": mediator.pk, "name": "钱调解", "role": "mediator"},
        "body": "乙", "sent_at": "", "client_msg_id": "same", "attachment": None, "event": None,
    }  # fmt: skip
    await a.disconnect()
    await b.disconnect()


async def test_sync_sends_every_missed_message_in_order_then_synced(rooms, claimant, mediator, settings):
    settings.CHAT_SYNC_BATCH = 3  # several batches
    for n in range(1, 8):
        await sync_to_async(chat.post_message)(rooms["joint"].pk, mediator, f"第{n}条", f"s-{n}")
    socket = await joined(rooms["joint"].pk, claimant)
    assert socket.hello["last_seq"] == 7
    await socket.send_json_to({"type": "sync", "after": 2})
    frames = await frames_until(socket, "synced")
    messages = [f for f in frames if f["type"] == "message"]
    assert [m["message"]["seq"] for m in messages] == [3, 4, 5, 6, 7]
    assert frames[-1] == {"type": "synced", "last_seq": 7}
    await socket.send_json_to({"type": "sync", "after": 7})
    assert await frames_until(socket, "synced") in (
        [{"type": "synced", "last_seq": 7}],
        [{"type": "presence", "online": [claimant.pk]}, {"type": "synced", "last_seq": 7}],
    )
    await socket.disconnect()


# --- typing, read receipts, presence ----------------------------------------------------------
async def test_typing_and_read_go_to_the_others_with_the_user(rooms, claimant, respondent):
    a = await joined(rooms["joint"].pk, claimant)
    b = await joined(rooms["joint"].pk, respondent)
    await next_of(a, "presence")
    await a.send_json_to({"type": "typing"})
    assert await next_of(b, "typing") == {"type": "typing", "user": {"id": claimant.pk, "name": "张三"}}
    await a.send_json_to({"type": "read", "seq": 3})
    assert await next_of(b, "read") == {"type": "read", "seq": 3, "user": {"id": claimant.pk, "name": "张三"}}
    await asyncio.sleep(0.2)
    while not await a.receive_nothing(timeout=0.2):
        assert (await a.receive_json_from())["type"] == "presence"  # never its own typing/read
    await a.disconnect()
    await b.disconnect()


async def test_presence_is_sent_on_every_join_and_leave_and_includes_the_receiver(rooms, claimant, mediator):
    a = await open_socket(rooms["joint"].pk, claimant)
    await next_of(a, "hello")
    assert await a.receive_json_from() == {"type": "presence", "online": [claimant.pk]}
    b = await open_socket(rooms["joint"].pk, mediator)
    await next_of(b, "hello")
    both = sorted([claimant.pk, mediator.pk])
    assert await b.receive_json_from() == {"type": "presence", "online": both}
    assert await a.receive_json_from() == {"type": "presence", "online": both}
    await b.disconnect()
    assert await a.receive_json_from() == {"type": "presence", "online": [claimant.pk]}
    await a.disconnect()


async def test_presence_forgets_sockets_whose_heartbeat_stopped(rooms, claimant, respondent):
    # A socket on a process that died: its row stays, but its heartbeat is too old to count.
    await Presence.objects.acreate(
        room=rooms["joint"], user=respondent, channel_name="dead.process!x",
        seen_at=timezone.now() - timedelta(seconds=61),
    )  # fmt: skip
    a = await joined(rooms["joint"].pk, claimant)
    assert await a.receive_json_from() == {"type": "presence", "online": [claimant.pk]}
    assert not await Presence.objects.filter(channel_name="dead.process!x").aexists()
    await a.disconnect()


async def test_heartbeats_keep_a_socket_online(rooms, claimant, mediator, settings):
    settings.CHAT_PRESENCE_TTL = 3  # heartbeat every second
    a = await joined(rooms["joint"].pk, claimant)
    await asyncio.sleep(4)
    b = await joined(rooms["joint"].pk, mediator)
    assert await next_of(b, "presence") == {"type": "presence", "online": sorted([claimant.pk, mediator.pk])}
    await a.disconnect()
    await b.disconnect()


# --- refusals that keep the socket open -------------------------------------------------------
BAD_FRAMES = {
    "not json": "{nope",
    "a list": "[1, 2]",
    "no type": json.dumps({"body": "x"}),
    "unknown type": json.dumps({"type": "edit", "id": 1}),
    "send without body": json.dumps({"type": "send", "client_msg_id": "a"}),
    "send with blank body": json.dumps({"type": "send", "body": " \n\t ", "client_msg_id": "a"}),
    "send with number body": json.dumps({"type": "send", "body": 5, "client_msg_id": "a"}),
    "send without client id": json.dumps({"type": "send", "body": "x"}),
    "send with long client id": json.dumps({"type": "send", "body": "x", "client_msg_id": "a" * 65}),
    "sync without after": json.dumps({"type": "sync"}),
    "sync with text after": json.dumps({"type": "sync", "after": "3"}),
    "read with negative seq": json.dumps({"type": "read", "seq": -1}),
    "read with boolean seq": json.dumps({"type": "read", "seq": True}),
}


@pytest.mark.parametrize("text", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_bad_frame_gets_an_error_and_the_socket_stays_open(rooms, claimant, text):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_to(text_data=text)
    error = await next_of(socket, "error")
    assert error["code"] == "bad_frame" and error["detail"]
    await socket.send_json_to({"type": "sync", "after": 0})
    assert await next_of(socket, "synced") == {"type": "synced", "last_seq": 0}
    await socket.disconnect()


async def test_a_binary_frame_is_a_bad_frame(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await next_of(socket, "error"))["code"] == "bad_frame"
    await socket.disconnect()


async def test_a_body_over_4000_characters_is_too_long(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_json_to(send_frame("长" * 4001, "long"))
    assert (await next_of(socket, "error"))["code"] == "too_long"
    await socket.send_json_to(send_frame("长" * 4000, "long"))
    assert len((await next_of(socket, "message"))["message"]["body"]) == 4000
    await socket.disconnect()


async def test_more_than_ten_frames_a_second_are_rate_limited(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    for n in range(15):
        await socket.send_json_to(send_frame(f"快{n}", f"r-{n}"))
    frames = []
    while not await socket.receive_nothing(timeout=0.5):
        frames.append(await socket.receive_json_from())
    limited = [f for f in frames if f["type"] == "error"]
    stored = [f for f in frames if f["type"] == "message"]
    assert 10 <= len(stored) <= 11
    # One error for the refused frames, not one each (docs/chat-protocol.md#limits).
    assert [f["code"] for f in limited] == ["rate_limited"]
    await asyncio.sleep(1.1)
    await socket.send_json_to(send_frame("慢一点", "r-late"))  # the socket is still open
    assert (await next_of(socket, "message"))["message"]["body"] == "慢一点"
    await socket.disconnect()


async def test_a_room_is_read_only_after_mediation_ends_and_history_stays(rooms, claimant, mediator):
    await sync_to_async(chat.post_message)(rooms["joint"].pk, mediator, "请双方陈述", "h-1")
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "无法达成一致"}
    )
    socket = await joined(rooms["joint"].pk, claimant)
    assert socket.hello["writable"] is False
    await socket.send_json_to(send_frame("还能说吗", "ro-1"))
    assert (await next_of(socket, "error"))["code"] == "read_only"
    await socket.send_json_to({"type": "sync", "after": 0})
    frames = await frames_until(socket, "synced")
    assert [f["message"]["body"] for f in frames if f["type"] == "message"] == ["请双方陈述"]
    await socket.disconnect()


async def test_a_socket_learns_when_its_room_becomes_read_only(rooms, claimant, mediator):
    socket = await joined(rooms["joint"].pk, claimant)
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "无法达成一致"}
    )
    hello = await next_of(socket, "hello", timeout=2)
    assert hello["writable"] is False
    await socket.disconnect()


# --- caucus isolation -------------------------------------------------------------------------
async def test_caucus_messages_never_reach_the_other_party(rooms, claimant, respondent, mediator):
    caucus_claimant = await joined(rooms["claimant"].pk, claimant)
    caucus_mediator = await joined(rooms["claimant"].pk, mediator)
    joint_respondent = await joined(rooms["joint"].pk, respondent)
    caucus_respondent = await joined(rooms["respondent"].pk, respondent)
    await caucus_claimant.send_json_to(send_frame("我的底线是八百元", "secret"))
    assert (await next_of(caucus_mediator, "message"))["message"]["body"] == "我的底线是八百元"
    for socket in (joint_respondent, caucus_respondent):
        await socket.send_json_to({"type": "sync", "after": 0})
        frames = await frames_until(socket, "synced")
        assert all("八百" not in json.dumps(f, ensure_ascii=False) for f in frames)
    for socket in (caucus_claimant, caucus_mediator, joint_respondent, caucus_respondent):
        await socket.disconnect()


# --- losing access closes the socket ----------------------------------------------------------
async def test_a_replaced_mediator_is_disconnected_within_2_seconds(rooms, mediator, grid_worker):
    sockets = [await joined(room.pk, mediator) for room in rooms.values()]
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "replace_mediator", by=grid_worker, payload={"reason": "当事人申请回避"}
    )
    for socket in sockets:
        assert await close_code(socket, timeout=2) == 4403


async def test_a_replaced_mediator_cannot_send_even_before_the_socket_closes(rooms, mediator, grid_worker):
    await sync_to_async(services.fire)(
        rooms["joint"].dispute_id, "replace_mediator", by=grid_worker, payload={"reason": "回避"}
    )
    with pytest.raises(ServiceError):
        await sync_to_async(chat.post_message)(rooms["joint"].pk, mediator, "还在吗", "late")


async def test_logging_out_closes_the_users_sockets_within_2_seconds(rooms, claimant, respondent):
    mine = await joined(rooms["joint"].pk, claimant)
    caucus = await joined(rooms["claimant"].pk, claimant)
    theirs = await joined(rooms["joint"].pk, respondent)

    def log_out():
        client = Client()
        client.force_login(claimant)
        client.post("/accounts/logout/")

    await sync_to_async(log_out)()
    assert await close_code(mine, timeout=2) == 4401
    assert await close_code(caucus, timeout=2) == 4401
    await mine.disconnect()  # the client's side of the close handshake
    while (await next_of(theirs, "presence"))["online"] != [respondent.pk]:
        pass  # one presence frame per closed socket: the last says the claimant left
    await theirs.disconnect()


async def test_deactivating_a_user_closes_their_sockets_within_2_seconds(rooms, respondent):
    socket = await joined(rooms["joint"].pk, respondent)

    def deactivate():
        respondent.is_active = False
        respondent.save()

    await sync_to_async(deactivate)()
    assert await close_code(socket, timeout=2) == 4401


async def test_the_heartbeat_closes_a_socket_whose_access_went_without_an_event(rooms, mediator, settings):
    # The channel layer may drop the "re-check" event: the heartbeat catches the change.
    settings.CHAT_PRESENCE_TTL = 3
    from disputes.models import Dispute

    socket = await joined(rooms["joint"].pk, mediator)
    await Dispute.objects.filter(pk=rooms["joint"].dispute_id).aupdate(mediator=None)
    assert await close_code(socket, timeout=3) == 4403


async def test_a_synced_message_is_the_same_frame_as_the_live_one(rooms, claimant, mediator):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_json_to(send_frame("同一条消息", "same-frame"))
    live = await next_of(socket, "message")
    await socket.send_json_to({"type": "sync", "after": 0})
    assert [f for f in await frames_until(socket, "synced") if f["type"] == "message"] == [live]
    await socket.disconnect()
