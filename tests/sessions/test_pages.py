"""The Sessions panel on the dispute page and the session page (no-JS forms)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from mediation.models import Session
from mediation.sessions import services

from .conftest import soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def browse():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def local_input(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_mediator_schedules_through_the_panel(browse, rooms, mediator, claimant, mediating):
    page = browse(mediator).get(mediating.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="sessions"' in html and 'name="starts_at"' in html
    starts = soon(days=2).replace(second=0)
    response = browse(mediator).post(
        f"/disputes/{mediating.pk}/sessions/new/",
        {
            "room": rooms["joint"].pk,
            "mode": "in_person",
            "starts_at": local_input(starts),
            "duration_minutes": "45",
            "place": "街道调解中心",
        },  # fmt: skip
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    assert session.starts_at == starts and session.duration_minutes == 45
    party = browse(claimant).get(mediating.get_absolute_url()).content.decode()
    assert timezone.localtime(starts).strftime("%Y-%m-%d %H:%M") in party and "街道调解中心" in party
    assert 'name="starts_at"' not in party  # no schedule form for a party
    detail = browse(claimant).get(f"/sessions/{session.pk}/").content.decode()
    assert "街道调解中心" in detail and "session-cancel" not in detail and 'id="cancel"' not in detail


def test_a_bad_form_shows_the_reason_and_stores_nothing(browse, rooms, mediator, mediating):
    response = browse(mediator).post(
        f"/disputes/{mediating.pk}/sessions/new/",
        {"room": rooms["joint"].pk, "mode": "in_person", "starts_at": local_input(soon(days=1)), "place": ""},
        follow=True,
    )
    assert "message-error" in response.content.decode()
    assert not Session.objects.exists()


def test_a_party_cannot_post_the_schedule_form(browse, rooms, claimant, mediating):
    browse(claimant).post(
        f"/disputes/{mediating.pk}/sessions/new/",
        {"room": rooms["joint"].pk, "mode": "phone", "starts_at": local_input(soon(days=1))},
    )
    assert not Session.objects.exists()


def test_the_caucus_session_page_is_404_for_the_other_party(
    browse, rooms, mediator, claimant, respondent, mediating
):
    session = services.schedule(rooms["claimant"], by=mediator, mode="phone", starts_at=soon(days=1))
    assert browse(claimant).get(f"/sessions/{session.pk}/").status_code == 200
    assert browse(respondent).get(f"/sessions/{session.pk}/").status_code == 404
    assert browse(respondent).post(f"/sessions/{session.pk}/cancel/", {"reason": "x"}).status_code == 404
    page = browse(respondent).get(mediating.get_absolute_url()).content.decode()
    assert f"/sessions/{session.pk}/" not in page


def test_change_cancel_and_dial_forms(browse, rooms, mediator, calls, django_capture_on_commit_callbacks):
    session = services.schedule(rooms["joint"], by=mediator, mode="phone", starts_at=soon(minutes=10))
    html = browse(mediator).get(f"/sessions/{session.pk}/").content.decode()
    assert 'id="change"' in html and 'id="cancel"' in html and f"/sessions/{session.pk}/dial/" in html
    with django_capture_on_commit_callbacks(execute=True):
        browse(mediator).post(f"/sessions/{session.pk}/dial/")
    assert len(calls()) == 3
    new_time = soon(days=1).replace(second=0)
    browse(mediator).post(
        f"/sessions/{session.pk}/change/", {"starts_at": local_input(new_time), "mode": "phone"}
    )
    session.refresh_from_db()
    assert session.version == 2 and session.starts_at == new_time
    browse(mediator).post(f"/sessions/{session.pk}/cancel/", {"reason": "当事人住院"})
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancel_reason == "当事人住院"
    html = browse(mediator).get(f"/sessions/{session.pk}/").content.decode()
    assert 'id="cancel"' not in html and "当事人住院" in html


def test_staff_see_joint_sessions_on_the_dispute_page(browse, rooms, mediator, grid_worker, mediating):
    joint = services.schedule(rooms["joint"], by=mediator, mode="phone", starts_at=soon(days=1))
    caucus = services.schedule(rooms["respondent"], by=mediator, mode="phone", starts_at=soon(days=1))
    page = browse(grid_worker).get(mediating.get_absolute_url()).content.decode()
    assert f"/sessions/{joint.pk}/" in page and f"/sessions/{caucus.pk}/" not in page
    assert browse(grid_worker).get(f"/sessions/{caucus.pk}/").status_code == 404


def test_the_demo_seeds_two_sessions_once(rooms, mediating, claimant):
    from mediation.sessions.demo import seed_sessions

    seeded = seed_sessions()
    assert [s.mode for s in seeded] == ["in_person", "phone"]
    assert all(s.dispute_id == mediating.pk and s.room.kind == "joint" for s in seeded)
    assert seed_sessions() == []
    assert Session.objects.count() == 2
