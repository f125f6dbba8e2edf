"""Group commit: the sends pending in one process are stored in one transaction
(mediation.chat.store.post_batch, fed by the consumers' per-process writer)."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.db import DatabaseError, OperationalError, connection, connections

from accounts.models import User
from core.errors import ServiceError
from disputes import services
from mediation.chat import store as chat
from mediation.models import Message, Room

from .conftest import close_code, joined, next_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_consumer_connections():
    yield
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def other_open_room(regions, claimant, respondent, advance):
    """The joint room of a second dispute in mediation between the same parties."""
    from tests import factories

    filed = factories.file_dispute(
        claimant, regions["grid1"], respondent.phone, title="停车位", description="车位被占。"
    )
    dispute = advance(filed, "in_mediation")
    return Room.objects.get(dispute=dispute, kind="joint")


def stored(room) -> list[tuple[int, str]]:
    return list(Message.objects.filter(room=room).order_by("seq").values_list("seq", "body"))


def test_a_batch_gives_each_room_its_next_seqs_in_the_order_sent(rooms, claimant, respondent, mediator):
    chat.post_message(rooms["joint"].pk, mediator, "开始", "m-0")
    joint, mine = rooms["joint"].pk, rooms["claimant"].pk
    results = chat.post_batch(
        [
            chat.Send(joint, claimant, "一", "c-1"),
            chat.Send(mine, claimant, "私下说", "c-2"),
            chat.Send(joint, respondent, "二", "r-1"),
            chat.Send(joint, mediator, "三", "m-1"),
            chat.Send(mine, mediator, "收到", "m-2"),
        ]
    )
    assert [(r.created, r.frame["message"]["seq"]) for r in results] == [
        (True, 2), (True, 1), (True, 3), (True, 4), (True, 2),
    ]  # fmt: skip
    assert stored(rooms["joint"]) == [(1, "开始"), (2, "一"), (3, "二"), (4, "三")]
    assert stored(rooms["claimant"]) == [(1, "私下说"), (2, "收到")]
    assert Room.objects.get(pk=joint).last_seq == 4
    # The frames are exactly what `sync` sends later.
    frames, _ = chat.sync_frames(joint, 1)
    assert frames == [results[0].frame, results[2].frame, results[3].frame]


def test_repeats_and_refusals_in_a_batch_store_nothing_and_leave_no_gap(
    rooms, claimant, respondent, mediator, outsider
):
    first = chat.post_message(rooms["joint"].pk, claimant, "早上好", "again")
    joint = rooms["joint"].pk
    results = chat.post_batch(
        [
            chat.Send(joint, claimant, "早上好", "again"),  # a retry of a stored message
            chat.Send(joint, mediator, "一", "m-1"),
            chat.Send(joint, outsider, "我也说两句", "o-1"),  # not a member
            chat.Send(rooms["claimant"].pk, respondent, "偷看", "r-1"),  # the other party's caucus
            chat.Send(10**9, claimant, "没有这个房间", "c-9"),
            chat.Send(joint, mediator, "一", "m-1"),  # a repeat inside the batch
            chat.Send(joint, claimant, "二", "c-2"),
        ]
    )
    assert results[0] == chat.Posted(first.frame, False)
    assert results[1].created and results[1].frame["message"]["seq"] == 2
    assert [(r.code, r.status) for r in results[2:5]] == [
        ("permission_denied", 403), ("permission_denied", 403), ("not_found", 404),
    ]  # fmt: skip
    assert results[5] == chat.Posted(results[1].frame, False)
    assert results[6].created and results[6].frame["message"]["seq"] == 3
    assert stored(rooms["joint"]) == [(1, "早上好"), (2, "一"), (3, "二")]
    assert not Message.objects.filter(room=rooms["claimant"]).exists()


def test_a_batch_refuses_a_read_only_room_and_stores_the_others(rooms, claimant, mediator, other_open_room):
    services.fire(
        rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "无法达成一致"}
    )
    results = chat.post_batch(
        [
            chat.Send(rooms["joint"].pk, claimant, "还能说吗", "ro-1"),
            chat.Send(other_open_room.pk, claimant, "这里可以", "ok-1"),
        ]
    )
    assert isinstance(results[0], ServiceError) and results[0].code == "read_only"
    assert results[1].created and results[1].frame["message"]["seq"] == 1
    assert Room.objects.get(pk=rooms["joint"].pk).last_seq == 0


def test_a_database_error_in_one_message_loses_no_other_and_acknowledges_it_not(rooms, claimant, mediator):
    # A user row that does not exist: the foreign key fails at commit, failing the batch;
    # the writer then stores each message alone.
    ghost = User(id=10**9, phone=claimant.phone, phone_verified=True, is_active=True)
    joint = rooms["joint"].pk
    results = chat.post_batch(
        [chat.Send(joint, claimant, "一", "c-1"), chat.Send(joint, ghost, "幽灵", "g-1"),
         chat.Send(joint, mediator, "二", "m-1")]
    )  # fmt: skip
    assert isinstance(results[1], DatabaseError)
    assert [(r.created, r.frame["message"]["seq"]) for r in (results[0], results[2])] == [
        (True, 1),
        (True, 2),
    ]
    assert stored(rooms["joint"]) == [(1, "一"), (2, "二")]
    assert Room.objects.get(pk=joint).last_seq == 2


def test_on_postgresql_the_batch_statements_are_prepared_once_with_generic_plans(rooms, claimant):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for n in range(3):
        chat.post_batch([chat.Send(rooms["joint"].pk, claimant, f"第{n}条", f"p-{n}")])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%mediation_message%%'"
        )
        prepared = cursor.fetchall()
    # Locking the rooms is the one statement that does not name mediation_message.
    assert len(prepared) == 2, prepared  # finding repeats, then storing: each prepared once
    assert all(generic == 3 and custom == 0 for _, generic, custom in prepared), prepared


def test_concurrent_batches_from_several_connections_keep_seqs_gap_free(
    rooms, claimant, respondent, mediator
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the row lock is PostgreSQL's")
    joint, caucus = rooms["joint"].pk, rooms["claimant"].pk
    errors = []

    def sender(tag, users):
        try:
            for n in range(20):
                sends = [chat.Send(room, user, f"{tag}{n}", f"{tag}-{n}-{room}-{user.pk}")
                         for user in users for room in (joint, caucus) if not (room == caucus and user == respondent)]  # fmt: skip
                assert all(r.created for r in chat.post_batch(sends))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(tag, users))
               for tag, users in (("a", [claimant, mediator]), ("b", [respondent, mediator]), ("c", [claimant]))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for room in (rooms["joint"], rooms["claimant"]):
        seqs = [seq for seq, _ in stored(room)]
        assert seqs == list(range(1, len(seqs) + 1))
        assert Room.objects.get(pk=room.pk).last_seq == len(seqs)
    assert len(stored(rooms["joint"])) == 20 * 5 and len(stored(rooms["claimant"])) == 20 * 4


async def test_sends_arriving_together_are_stored_in_few_transactions_and_each_acknowledged(
    rooms, claimant, respondent, mediator, monkeypatch
):
    batches = []
    post_batch = chat.post_batch

    def counting(sends):
        batches.append(len(sends))
        return post_batch(sends)

    monkeypatch.setattr(chat, "post_batch", counting)
    users = (claimant, respondent, mediator)
    sockets = [await joined(rooms["joint"].pk, user) for user in users]
    for n in range(10):
        for index, socket in enumerate(sockets):
            await socket.send_json_to(
                {"type": "send", "body": f"{index}-{n}", "client_msg_id": f"{index}-{n}"}
            )
    for socket in sockets:
        got = [(await next_of(socket, "message"))["message"] for _ in range(30)]
        assert [m["seq"] for m in got] == list(range(1, 31))  # every one, in seq order
        for index in range(3):  # each sender's own messages in the order sent
            assert [m["body"] for m in got if m["author"]["id"] == users[index].pk] == [
                f"{index}-{n}" for n in range(10)
            ]
    assert sum(batches) == 30 and len(batches) < 30
    for socket in sockets:
        await socket.disconnect()


async def test_a_send_the_database_refuses_closes_the_socket_without_acknowledging(
    rooms, claimant, mediator, monkeypatch
):
    def down(sends):
        raise OperationalError("the database went away")

    other = await joined(rooms["joint"].pk, mediator)
    socket = await joined(rooms["joint"].pk, claimant)
    monkeypatch.setattr(chat, "post_batch", down)
    await socket.send_json_to({"type": "send", "body": "丢了吗", "client_msg_id": "lost-1"})
    assert await close_code(socket) == 1011  # the client reconnects, syncs and sends again
    while not await other.receive_nothing(timeout=0.3):  # presence frames only, no message
        assert (await other.receive_json_from())["type"] == "presence"
    assert not await Message.objects.filter(room=rooms["joint"]).aexists()
    await other.disconnect()


async def test_a_body_with_a_nul_character_is_a_bad_frame(rooms, claimant):
    socket = await joined(rooms["joint"].pk, claimant)
    await socket.send_json_to({"type": "send", "body": "a\x00b", "client_msg_id": "nul"})
    assert (await next_of(socket, "error"))["code"] == "bad_frame"
    await socket.send_json_to({"type": "send", "body": "ab", "client_msg_id": "ok"})
    assert (await next_of(socket, "message"))["message"]["body"] == "ab"
    await socket.disconnect()
    assert await sync_to_async(stored)(rooms["joint"]) == [(1, "ab")]
