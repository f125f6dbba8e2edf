"""Scheduling, changing and cancelling sessions over the API (docs/features/sessions.md)."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from mediation.models import Message, Session
from notifications.models import Notification

from .conftest import soon

pytestmark = pytest.mark.django_db


def body(room, **extra):
    data = {"room": room.pk, "mode": "in_person", "starts_at": soon(days=3).isoformat(),
            "duration_minutes": 90, "place": "社区调解室 201"}  # fmt: skip
    return {**data, **extra}


def schedule(api, user, rooms, which="joint", **extra):
    dispute_id = rooms["joint"].dispute_id
    return api(user).post(
        f"/api/v1/disputes/{dispute_id}/sessions/", body(rooms[which], **extra), format="json"
    )


def notices(user, kind=None):
    rows = Notification.objects.filter(user=user, channel="in_app")
    return list(rows.filter(kind=kind) if kind else rows.filter(kind__startswith="session"))


def test_the_mediator_schedules_a_joint_session_everyone_is_told(
    api, rooms, mediator, claimant, respondent, outbox, django_capture_on_commit_callbacks
):
    respondent.language = "en"
    respondent.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = schedule(api, mediator, rooms)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "scheduled" and data["version"] == 1 and data["mode"] == "in_person"
    assert data["starts_at"].endswith("+08:00")  # the platform's time zone, as the dispute's times
    assert sorted(a["role"] for a in data["attendees"]) == ["claimant", "mediator", "respondent"]
    (zh,) = notices(claimant, "session_scheduled")
    assert zh.title.endswith("调解会议已安排") and "社区调解室 201" in zh.body
    (en,) = notices(respondent, "session_scheduled")
    assert en.title.endswith("mediation session scheduled") and "(90 minutes) at 社区调解室 201" in en.body
    assert notices(mediator) == []  # the one who acted is not told
    # SMS and email too, where known.
    assert len(outbox.sms(claimant.phone)) == 1 and "社区调解室 201" in outbox.sms(claimant.phone)[0]["body"]
    assert Notification.objects.filter(user=respondent, kind="session_scheduled", channel="sms").exists()
    # The record: an event message in the joint room.
    event = Message.objects.get(room=rooms["joint"], event__isnull=False)
    assert event.event == {"session": data["id"], "action": "scheduled"}


def test_attendees_can_be_chosen_and_the_mediator_always_attends(api, rooms, mediator, claimant, respondent):
    response = schedule(api, mediator, rooms, attendees=[claimant.pk])
    assert response.status_code == 201
    assert [a["id"] for a in response.json()["attendees"]] == sorted([claimant.pk, mediator.pk])
    assert notices(respondent) == []


@pytest.mark.parametrize("role", ["claimant", "respondent", "grid_worker"])
def test_only_the_mediator_schedules(api, rooms, cast, role):
    response = schedule(api, cast(role), rooms)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Session.objects.exists()


@pytest.mark.parametrize("role", ["outsider", "other_mediator", "other_grid_worker"])
def test_strangers_get_404(api, rooms, cast, role):
    assert schedule(api, cast(role), rooms).status_code == 404
    assert api(cast(role)).get(f"/api/v1/disputes/{rooms['joint'].dispute_id}/sessions/").status_code == 404


def test_anonymous_gets_401(api, rooms):
    assert schedule(api, None, rooms).status_code == 401


def test_wrong_state_is_409(api, rooms, mediator):
    Dispute.objects.filter(pk=rooms["joint"].dispute_id).update(state="escalated")
    response = schedule(api, mediator, rooms)
    assert response.status_code == 409 and response.json()["code"] == "wrong_state"
    assert not Session.objects.exists()


def test_awaiting_signatures_still_schedules(api, dispute, advance, mediator):
    dispute = advance(dispute, "awaiting_signatures")
    room = dispute.rooms.get(kind="joint")
    url = f"/api/v1/disputes/{dispute.pk}/sessions/"
    payload = {"room": room.pk, "mode": "phone", "starts_at": soon(days=1).isoformat()}
    assert api(mediator).post(url, payload, format="json").status_code == 201


def test_a_time_in_the_past_is_400(api, rooms, mediator):
    response = schedule(api, mediator, rooms, starts_at=soon(minutes=-5).isoformat())
    assert response.status_code == 400
    assert response.json()["code"] == "in_the_past" and "starts_at" in response.json()["errors"]


def test_in_person_needs_a_place_and_bad_fields_are_400(api, rooms, mediator):
    response = schedule(api, mediator, rooms, place="")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["place"]
    assert schedule(api, mediator, rooms, duration_minutes=2).status_code == 400
    assert schedule(api, mediator, rooms, mode="video").status_code == 400
    assert schedule(api, mediator, rooms, starts_at="tomorrow").status_code == 400
    assert schedule(api, mediator, rooms, place="x" * 201).status_code == 400
    assert not Session.objects.exists()


def test_an_attendee_outside_the_room_is_400(api, rooms, mediator, respondent, outsider):
    response = schedule(api, mediator, rooms, "claimant", attendees=[respondent.pk])
    assert response.status_code == 400 and response.json()["code"] == "not_a_member"
    assert schedule(api, mediator, rooms, attendees=[outsider.pk]).status_code == 400
    assert not Session.objects.exists()


def test_a_caucus_session_is_invisible_to_the_other_party(
    api, rooms, mediator, claimant, respondent, grid_worker, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        caucus = schedule(api, mediator, rooms, "claimant").json()
    joint = schedule(api, mediator, rooms).json()
    url = f"/api/v1/disputes/{rooms['joint'].dispute_id}/sessions/"
    ids = lambda user: [s["id"] for s in api(user).get(url).json()]  # noqa: E731
    assert sorted(ids(claimant)) == sorted([caucus["id"], joint["id"]])
    assert ids(respondent) == [joint["id"]]
    assert ids(grid_worker) == [joint["id"]]
    assert sorted(ids(mediator)) == sorted([caucus["id"], joint["id"]])
    for user in (respondent, grid_worker):
        for method, path in [("get", ""), ("patch", ""), ("post", "cancel/"), ("post", "dial/")]:
            response = getattr(api(user), method)(
                f"/api/v1/sessions/{caucus['id']}/{path}", {}, format="json"
            )
            assert response.status_code == 404, (user, method, path)
    assert [n.kind for n in notices(respondent)] == ["session_scheduled"]  # the joint one only
    assert outbox.sms(respondent.phone) == []  # the caucus notice went to the claimant alone
    assert len(outbox.sms(claimant.phone)) == 1
    # Its record is in the claimant's caucus room, never the joint room or the other caucus.
    assert Message.objects.filter(room=rooms["claimant"], event__session=caucus["id"]).count() == 1
    assert not Message.objects.filter(room=rooms["respondent"]).exists()


def test_change_bumps_the_version_and_tells_everyone_again(
    api, rooms, mediator, claimant, respondent, outbox, django_capture_on_commit_callbacks
):
    session = schedule(api, mediator, rooms).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(mediator).patch(
            f"/api/v1/sessions/{session['id']}/",
            {"mode": "phone", "starts_at": soon(days=4).isoformat()},
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["place"] == ""
    (changed,) = notices(claimant, "session_changed")
    assert changed.title.endswith("电话调解已变更")
    assert any("电话调解已变更" in m["body"] for m in outbox.sms(claimant.phone))
    assert Message.objects.filter(event__action="changed").count() == 1


def test_removed_attendees_are_told(api, rooms, mediator, claimant, respondent):
    session = schedule(api, mediator, rooms).json()
    response = api(mediator).patch(
        f"/api/v1/sessions/{session['id']}/", {"attendees": [claimant.pk]}, format="json"
    )
    assert response.status_code == 200
    assert [n.kind for n in notices(respondent)] == ["session_removed", "session_scheduled"]


def test_cancel_tells_everyone_and_refuses_a_second_time(
    api, rooms, mediator, claimant, outbox, django_capture_on_commit_callbacks
):
    session = schedule(api, mediator, rooms).json()
    url = f"/api/v1/sessions/{session['id']}/cancel/"
    assert api(mediator).post(url, {}, format="json").status_code == 400
    assert api(claimant).post(url, {"reason": "x"}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api(mediator).post(url, {"reason": "调解员生病"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    (cancelled,) = notices(claimant, "session_cancelled")
    assert "调解员生病" in cancelled.body
    assert any("调解员生病" in m["body"] for m in outbox.sms(claimant.phone))
    again = api(mediator).post(url, {"reason": "again"}, format="json")
    assert again.status_code == 409
    patch = api(mediator).patch(f"/api/v1/sessions/{session['id']}/", {"duration_minutes": 30}, format="json")
    assert patch.status_code == 409


def test_a_party_cannot_change_and_an_empty_change_is_400(api, rooms, mediator, claimant):
    session = schedule(api, mediator, rooms).json()
    url = f"/api/v1/sessions/{session['id']}/"
    assert api(claimant).get(url).status_code == 200
    assert api(claimant).patch(url, {"duration_minutes": 30}, format="json").status_code == 403
    assert api(mediator).patch(url, {}, format="json").status_code == 400
    assert (
        api(mediator).patch(url, {"starts_at": soon(hours=-1).isoformat()}, format="json").status_code == 400
    )


def test_unknown_session_is_404(api, rooms, mediator):
    assert api(mediator).get("/api/v1/sessions/999999/").status_code == 404
