"""Rooms of disputes with several parties on a side: one caucus per party, who is a member of
which room (REST, the hot path, consent lists) (docs/features/parties.md)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation.chat import access, rooms
from mediation.models import Call, Room
from mediation.recordings import service as recordings
from tests import factories

from .rooms_world import build, revoke

pytestmark = pytest.mark.django_db

SHAPES = ["1x3", "3x1"]


@pytest.fixture(params=SHAPES)
def world(request, dispute, advance, grid_worker, claimant, respondent):
    return build(request.param, dispute, advance, grid_worker, claimant, respondent)


def side_of(world, name):
    return world.parties[name].side


def test_one_joint_room_and_one_caucus_per_taking_part_party(world):
    found = Room.objects.filter(dispute=world.dispute).order_by("pk")
    assert [room.kind for room in found].count("joint") == 1
    caucuses = {room.party_record_id: room.party for room in found if room.kind == "caucus"}
    taking = [world.parties[name] for name in ("claimant", "respondent", "p2", "p3")]
    assert caucuses == {party.pk: party.side for party in taking}  # p4 declined or withdrew


def test_a_party_added_in_mediation_gets_its_caucus(world, grid_worker):
    from disputes.parties.services import add_party

    user = factories.UserFactory()
    party = add_party(world.dispute, by=grid_worker, side="respondent", name="晚到", phone=user.phone)
    assert Room.objects.filter(party_record=party, kind="caucus", party="respondent").count() == 1
    assert rooms.role_in(Room.objects.get(party_record=party), user) == "respondent"
    assert rooms.role_in(world.room("joint"), user) == "respondent"


MEMBERS = {  # who is in which room, besides the mediator
    "joint": {"claimant", "respondent", "p2", "p3", "guardian", "agent"},
    "claimant": {"claimant"},
    "respondent": {"respondent"},
    "p2": {"p2", "guardian"},
    "p3": {"p3", "agent"},
}
NEVER = {"p4", "pending", "rejected", "mute"}


def test_membership_of_every_room(world):
    acting_side = {"guardian": "p2", "agent": "p3"}
    for room_name, expected in MEMBERS.items():
        room = world.room(room_name)
        for name, user in world.users.items():
            role = rooms.role_in(room, user)
            if name == "mediator":
                assert role == "mediator"
            elif name in expected:
                assert role == side_of(world, acting_side.get(name, name)), (room_name, name)
            else:
                assert role is None, (room_name, name)
        listed = {pk for pk in rooms.members(room)}
        assert listed == {world.users[name].pk for name in expected | {"mediator"}}


def test_members_name_their_capacity_and_party(world):
    found = rooms.members(world.room("joint"))
    agent, guardian, p3 = (found[world.users[n].pk] for n in ("agent", "guardian", "p3"))
    assert agent == {
        "name": "agent",
        "role": side_of(world, "p3"),
        "capacity": "agent",
        "for": world.parties["p3"].pk,
    }
    assert guardian["capacity"] == "guardian" and guardian["for"] == world.parties["p2"].pk
    assert p3["capacity"] == "legal_representative"
    assert found[world.users["mediator"].pk]["capacity"] == "mediator"
    assert list(found)[0] == world.users["claimant"].pk  # claimants first, the mediator last
    assert list(found)[-1] == world.users["mediator"].pk


def test_the_hot_path_agrees_with_role_in(world):
    pairs = [(u.pk, world.room(r).pk) for r in MEMBERS for u in world.users.values()]
    answers = access.access_many(pairs)
    for (user_id, room_id), (refusal, writable) in zip(pairs, answers, strict=True):
        user = next(u for u in world.users.values() if u.pk == user_id)
        member = rooms.role_in(Room.objects.get(pk=room_id), user) is not None
        assert (refusal is None) == member and writable == member


def test_the_hot_path_asks_the_parties_only_for_others_than_the_leads(world, monkeypatch):
    """Mediator and lead parties: decided from the room statement's joins; the others: one
    more statement for the whole batch (PostgreSQL's prepared cursor escapes
    CaptureQueriesContext, so the lookups are counted)."""
    calls = []
    lookup = rooms.acting_parties
    monkeypatch.setattr(rooms, "acting_parties", lambda keys: calls.append(keys) or lookup(keys))
    joint = world.room("joint").pk
    leads = [(world.users[n].pk, joint) for n in ("claimant", "respondent", "mediator")]
    assert [a[0] for a in access.access_many(leads)] == [None, None, None]
    assert calls == []
    others = leads + [(world.users[n].pk, joint) for n in ("p2", "p3", "agent", "guardian", "pending")]
    assert [a[0] for a in access.access_many(others)] == [None] * 7 + [4403]
    assert len(calls) == 1 and len(calls[0]) == 5
    if connection.vendor == "sqlite":
        with CaptureQueriesContext(connection) as fast:
            access.access_many(leads)
        with CaptureQueriesContext(connection) as slow:
            access.access_many(others)
        assert (len(fast), len(slow)) == (2, 3)


def test_declined_withdrawn_and_revoked_lose_the_rooms(world):
    joint, agent = world.room("joint"), world.users["agent"]
    assert rooms.role_in(joint, agent) is not None
    revoke(world.reps["agent"])
    assert rooms.role_in(world.room("joint"), agent) is None
    assert access.access(agent.pk, joint.pk)[0] == 4403
    p2 = world.parties["p2"]
    if p2.side == "respondent":
        p2.answer = "declined"
    else:
        from django.utils import timezone

        p2.withdrawn_at = timezone.now()
    p2.save()
    for name in ("p2", "guardian"):
        assert rooms.role_in(world.room("joint"), world.users[name]) is None
        assert rooms.role_in(world.room("p2"), world.users[name]) is None
        assert access.access(world.users[name].pk, joint.pk)[0] == 4403


def test_rooms_api_per_caller(world, api):
    url = f"/api/v1/disputes/{world.dispute.pk}/rooms/"
    by_name = {name: world.room(name).pk for name in MEMBERS}
    expected = {
        "claimant": ["joint", "claimant"], "respondent": ["joint", "respondent"], "p2": ["joint", "p2"],
        "guardian": ["joint", "p2"], "p3": ["joint", "p3"], "agent": ["joint", "p3"],
        "mediator": sorted(MEMBERS, key=lambda n: by_name[n]),
    }  # fmt: skip
    for name, names in expected.items():
        response = api(world.users[name]).get(url)
        assert response.status_code == 200, name
        assert [r["id"] for r in response.json()] == [by_name[n] for n in names], name
    rows = {r["id"]: r for r in api(world.users["mediator"]).get(url).json()}
    p3 = rows[by_name["p3"]]
    assert p3["party"] == side_of(world, "p3") and p3["party_id"] == world.parties["p3"].pk
    assert p3["party_name"] == "p3-name"
    assert rows[by_name["joint"]]["party_id"] is None and rows[by_name["joint"]]["party"] is None
    assert api(world.users["pending"]).get(url).status_code == 404  # the dispute is not theirs yet
    assert api(world.users["mute"]).get(url).json() == []  # approved, though not to chat


def test_messages_api_membership(world, api):
    def get(name, room):
        return api(world.users[name]).get(f"/api/v1/rooms/{world.room(room).pk}/messages/").status_code

    assert get("guardian", "p2") == 200 and get("agent", "joint") == 200
    assert get("p3", "p2") == 403  # another party's caucus, whichever side
    assert get("agent", "p2") == 403 and get("guardian", "p3") == 403
    assert get("mute", "joint") == 403  # sees the dispute, may not chat
    assert get("pending", "joint") == 404 and get("rejected", "joint") == 404
    response = api(world.users["agent"]).post(
        f"/api/v1/rooms/{world.room('joint').pk}/messages/", {"body": "代理人发言", "client_msg_id": "a-1"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["author"]["role"] == side_of(world, "p3")
    response = api(world.users["p3"]).post(
        f"/api/v1/rooms/{world.room('p2').pk}/messages/", {"body": "x", "client_msg_id": "a-2"}, format="json"
    )
    assert response.status_code == 403


def test_a_three_party_room_needs_four_consents(dispute, advance, grid_worker):
    other = factories.UserFactory()
    from disputes.parties.services import add_party

    second = add_party(dispute, by=grid_worker, side="respondent", name="第二被申请人", phone=other.phone)
    second.answer = "accepted"  # before the lead's answer, which then completes the answers
    second.save(update_fields=["answer"])
    dispute = advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, kind="joint")
    call = Call.objects.create(room=joint, started_by=dispute.mediator)
    answers = recordings.consents(call)
    assert len(answers["members"]) == 4 and not answers["all_consented"]
    assert other.pk in {row["user"] for row in answers["members"]}
