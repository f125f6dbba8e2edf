"""Phone sessions through the telephony backend: the file backend writes one call file per
callee under var/outbox/calls/, once per session version (docs/features/sessions.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from core import telephony
from core.errors import ServiceError
from mediation.models import Message, Session, SessionDial
from mediation.sessions import phone, services

from .conftest import soon

pytestmark = pytest.mark.django_db


def make(rooms, mediator, *, which="joint", mode="phone", starts_at=None) -> Session:
    place = {"place": "社区调解室"} if mode == "in_person" else {}
    return services.schedule(
        rooms[which], by=mediator, mode=mode, starts_at=starts_at or soon(minutes=10), **place
    )


def dial(api, user, session):
    return api(user).post(f"/api/v1/sessions/{session.pk}/dial/", {}, format="json")


def test_dial_calls_each_party_and_the_mediator_once(
    api, rooms, mediator, claimant, respondent, calls, django_capture_on_commit_callbacks
):
    session = make(rooms, mediator)
    with django_capture_on_commit_callbacks(execute=True):
        response = dial(api, mediator, session)
    assert response.status_code == 202, response.json()
    assert response.json()["version"] == 1
    placed = calls()
    assert sorted(c["to"] for c in placed) == sorted([claimant.phone, respondent.phone, mediator.phone])
    assert {c["key"] for c in placed} == {
        f"session-{session.pk}-v1-u{u.pk}" for u in (claimant, respondent, mediator)
    }
    assert all(c["session_ref"].endswith(f"/session-{session.pk}") and c["dialled_at"] for c in placed)
    # Pressing again and a retried task place no call twice and record no second event.
    with django_capture_on_commit_callbacks(execute=True):
        assert dial(api, mediator, session).status_code == 202
    phone.place_session_calls.apply(kwargs={"dial_id": SessionDial.objects.get().pk}).get()
    assert len(calls()) == 3
    events = Message.objects.filter(room=rooms["joint"], event__action="phone_started")
    assert events.count() == 1 and events.get().event == {"session": session.pk, "action": "phone_started"}
    assert len(SessionDial.objects.get().calls) == 3


def test_a_caucus_phone_session_calls_its_party_only(
    api, rooms, mediator, claimant, respondent, calls, django_capture_on_commit_callbacks
):
    session = make(rooms, mediator, which="respondent")
    with django_capture_on_commit_callbacks(execute=True):
        assert dial(api, mediator, session).status_code == 202
    assert sorted(c["to"] for c in calls()) == sorted([respondent.phone, mediator.phone])
    assert not Message.objects.filter(room__in=[rooms["joint"], rooms["claimant"]]).exists()


def test_a_changed_session_dials_again_under_its_new_version(
    api, rooms, mediator, calls, django_capture_on_commit_callbacks
):
    session = make(rooms, mediator)
    with django_capture_on_commit_callbacks(execute=True):
        dial(api, mediator, session)
    session = services.change(session, by=mediator, starts_at=soon(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert dial(api, mediator, session).json()["version"] == 2
    assert len(calls()) == 6


def test_in_person_cancelled_or_too_early_is_409(api, rooms, mediator, calls):
    in_person = make(rooms, mediator, mode="in_person")
    response = dial(api, mediator, in_person)
    assert response.status_code == 409 and response.json()["code"] == "not_phone"
    cancelled = services.cancel(make(rooms, mediator), by=mediator, reason="改期")
    assert dial(api, mediator, cancelled).status_code == 409
    early = make(rooms, mediator, starts_at=soon(days=2))
    response = dial(api, mediator, early)
    assert response.status_code == 409 and response.json()["code"] == "not_now"
    assert calls() == [] and not SessionDial.objects.exists()


def test_after_its_end_is_409(rooms, mediator):
    session = make(rooms, mediator)
    later = session.starts_at + dt.timedelta(minutes=61)
    with pytest.raises(ServiceError) as refused:
        phone.start(session, by=mediator, now=later)
    assert refused.value.status == 409


def test_only_the_mediator_dials(api, rooms, mediator, claimant, grid_worker, outsider, calls):
    session = make(rooms, mediator)
    assert dial(api, claimant, session).status_code == 403
    assert dial(api, grid_worker, session).status_code == 403
    assert dial(api, outsider, session).status_code == 404
    assert calls() == []


def test_a_party_without_a_verified_phone_is_not_called(
    api, rooms, mediator, respondent, calls, django_capture_on_commit_callbacks
):
    session = make(rooms, mediator)
    with django_capture_on_commit_callbacks(execute=True):
        dial(api, mediator, session)
    assert respondent.phone in [c["to"] for c in calls()]
    assert phone.callees(session)  # the respondent is still a member by verified phone
    respondent.phone_verified = False
    respondent.save()
    assert respondent not in phone.callees(session)


def test_the_file_backend_is_idempotent_per_key(outbox, settings):
    first = telephony.dial(to="13800000000", session_ref="TJ-1/session-1", key="k-1")
    again = telephony.dial(to="13800000000", session_ref="TJ-1/session-1", key="k-1")
    assert first == again == "k-1"
    assert len(list((settings.OUTBOX_DIR / "calls").glob("*.json"))) == 1
