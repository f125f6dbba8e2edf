"""Chat over HTTP: room lists, history, the send fallback and websocket tickets (docs/api.md)."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from disputes import services
from mediation.chat import store as chat
from mediation.chat import tickets
from mediation.models import Message, Room, WsTicket

pytestmark = pytest.mark.django_db


def ids(response):
    return [r["id"] for r in response.json()]


def test_rooms_are_opened_when_the_mediator_accepts(dispute, advance):
    advance(dispute, "mediator_assigned")
    assert not Room.objects.filter(dispute=dispute).exists()
    services.fire(dispute.pk, "mediator_accept", by=dispute.mediator)
    kinds = sorted(Room.objects.filter(dispute=dispute).values_list("kind", "party"))
    assert kinds == [("caucus", "claimant"), ("caucus", "respondent"), ("joint", "")]


def test_a_party_sees_the_joint_room_and_their_own_caucus(api, rooms, claimant, respondent):
    response = api(claimant).get(f"/api/v1/disputes/{rooms['joint'].dispute_id}/rooms/")
    assert response.status_code == 200
    assert response.json() == [
        {"id": rooms["joint"].pk, "kind": "joint", "party": None, "writable": True},
        {"id": rooms["claimant"].pk, "kind": "caucus", "party": "claimant", "writable": True},
    ]
    response = api(respondent).get(f"/api/v1/disputes/{rooms['joint'].dispute_id}/rooms/")
    assert ids(response) == [rooms["joint"].pk, rooms["respondent"].pk]


def test_the_mediator_sees_all_three_rooms(api, rooms, mediator):
    response = api(mediator).get(f"/api/v1/disputes/{rooms['joint'].dispute_id}/rooms/")
    assert ids(response) == [rooms["joint"].pk, rooms["claimant"].pk, rooms["respondent"].pk]


def test_rooms_are_404_for_an_outsider_and_403_for_staff(api, rooms, outsider, grid_worker):
    url = f"/api/v1/disputes/{rooms['joint'].dispute_id}/rooms/"
    assert api(outsider).get(url).json()["code"] == "not_found"
    assert api(outsider).get(url).status_code == 404
    assert api(grid_worker).get(url).status_code == 403
    assert api().get(url).status_code == 401


def test_a_party_of_a_dispute_not_yet_in_mediation_has_no_rooms(api, dispute, claimant):
    response = api(claimant).get(f"/api/v1/disputes/{dispute.pk}/rooms/")
    assert response.status_code == 200 and response.json() == []


def test_posting_stores_a_message_and_answers_201(api, rooms, claimant):
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/messages/",
        {"body": "我同意调解", "client_msg_id": "u-1"},
        format="json",
    )
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == {
        "seq": 1, "id": message.pk, "author": {"id": claimant.pk, "name": "张三", "role": "claimant"},
        "body": "我同意调解", "sent_at": message.sent_at.isoformat(), "client_msg_id": "u-1",
        "attachment": None,
        "event": None,
    }  # fmt: skip


def test_posting_the_same_client_msg_id_again_answers_200_with_the_stored_message(api, rooms, claimant):
    url = f"/api/v1/rooms/{rooms['joint'].pk}/messages/"
    first = api(claimant).post(url, {"body": "重试", "client_msg_id": "u-2"}, format="json")
    again = api(claimant).post(url, {"body": "重试", "client_msg_id": "u-2"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "body, code",
    [("长" * 4001, "too_long"), ("   ", "invalid"), ("", "invalid")],
)
def test_posting_a_bad_body_is_400(api, rooms, claimant, body, code):
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/messages/", {"body": body, "client_msg_id": "b"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == code and "body" in response.json()["errors"]
    assert not Message.objects.exists()


def test_posting_without_a_client_msg_id_is_400(api, rooms, claimant):
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/messages/", {"body": "x"}, format="json"
    )
    assert response.status_code == 400 and "client_msg_id" in response.json()["errors"]


def test_posting_to_a_read_only_room_is_409(api, rooms, claimant, mediator):
    services.fire(rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "未果"})
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/messages/",
        {"body": "还在吗", "client_msg_id": "r"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "read_only"
    listed = api(claimant).get(f"/api/v1/disputes/{rooms['joint'].dispute_id}/rooms/").json()
    assert [room["writable"] for room in listed] == [False, False]


def test_history_comes_in_seq_order_after_a_cursor(api, rooms, claimant, mediator):
    for n in range(1, 6):
        chat.post_message(rooms["joint"].pk, claimant if n % 2 else mediator, f"第{n}条", f"h-{n}")
    url = f"/api/v1/rooms/{rooms['joint'].pk}/messages/"
    page = api(claimant).get(url, {"after": 1, "limit": 2}).json()
    assert [m["seq"] for m in page["results"]] == [2, 3]
    assert page["next"].endswith("?after=3&limit=2") and page["previous"] is None
    page = api(claimant).get(page["next"]).json()
    assert [m["body"] for m in page["results"]] == ["第4条", "第5条"]
    assert page["next"] is None
    assert [m["seq"] for m in api(mediator).get(url).json()["results"]] == [1, 2, 3, 4, 5]
    assert api(claimant).get(url, {"after": "x"}).status_code == 400


def test_caucus_history_is_closed_to_the_other_party_and_outsiders(
    api, rooms, claimant, respondent, outsider
):
    chat.post_message(rooms["claimant"].pk, claimant, "我的底线是八百元", "secret")
    url = f"/api/v1/rooms/{rooms['claimant'].pk}/messages/"
    assert api(respondent).get(url).status_code == 403
    assert api(respondent).post(url, {"body": "偷看", "client_msg_id": "x"}, format="json").status_code == 403
    assert api(outsider).get(url).status_code == 404
    assert api(claimant).get(url).json()["results"][0]["body"] == "我的底线是八百元"
    joint = api(respondent).get(f"/api/v1/rooms/{rooms['joint'].pk}/messages/").json()
    assert joint["results"] == []


def test_a_replaced_mediator_loses_the_rooms_at_once(api, rooms, mediator, grid_worker):
    services.fire(rooms["joint"].dispute_id, "replace_mediator", by=grid_worker, payload={"reason": "回避"})
    assert api(mediator).get(f"/api/v1/rooms/{rooms['joint'].pk}/messages/").status_code == 404
    assert api(mediator).get(f"/api/v1/disputes/{rooms['joint'].dispute_id}/rooms/").status_code == 404


def test_an_unknown_room_is_404(api, claimant):
    assert api(claimant).get("/api/v1/rooms/999999/messages/").status_code == 404


def test_a_ticket_is_issued_to_a_signed_in_user_and_stored_only_as_a_digest(api, claimant):
    response = api(claimant).post("/api/v1/ws-tickets/", {}, format="json")
    assert response.status_code == 201
    ticket = response.json()["ticket"]
    assert len(ticket) >= 40
    stored = WsTicket.objects.get()
    assert stored.user == claimant and ticket not in stored.digest
    token = Token.objects.get(user=claimant)
    assert tickets.redeem_ticket(ticket) == (claimant, ("token", token.key))
    assert tickets.redeem_ticket(ticket) is None  # single use
    assert api().post("/api/v1/ws-tickets/", {}, format="json").status_code == 401
