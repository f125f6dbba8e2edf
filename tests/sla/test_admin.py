"""Deadline policies and the holiday calendar are edited in the Django admin."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from disputes.models import Holiday, SlaPolicy
from disputes.sla import deadlines
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def form(policy: SlaPolicy, **changes) -> dict:
    data = {
        "state": policy.state, "duration": policy.duration, "unit": policy.unit,
        "working_days": "on" if policy.working_days else "", "reminders": policy.reminders,
        "home_visit": policy.home_visit, "breach_action": policy.breach_action, "active": "on",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_admin_lists_policies_and_holidays(admin_client):
    assert admin_client.get("/admin/disputes/slapolicy/").status_code == 200
    page = admin_client.get("/admin/disputes/holiday/?date__year=2026").content.decode()
    assert "春节" in page


def test_changing_a_policy_in_the_admin_changes_new_deadlines_at_once(admin_client):
    policy = SlaPolicy.objects.get(state="awaiting_response")
    start = timezone.now()
    assert deadlines.deadline_for("awaiting_response", start) == start + timedelta(days=7)
    response = admin_client.post(f"/admin/disputes/slapolicy/{policy.pk}/change/", form(policy, duration=10))
    assert response.status_code == 302
    assert deadlines.deadline_for("awaiting_response", start) == start + timedelta(days=10)


def test_the_admin_refuses_reminders_it_cannot_read(admin_client):
    policy = SlaPolicy.objects.get(state="in_mediation")
    response = admin_client.post(
        f"/admin/disputes/slapolicy/{policy.pk}/change/", form(policy, reminders="soon")
    )
    assert response.status_code == 200 and "soon" in response.content.decode()
    policy.refresh_from_db()
    assert policy.reminders == "7 days, 2 days"


def test_a_holiday_added_in_the_admin_moves_working_day_deadlines(admin_client):
    start = datetime(2026, 3, 9, 10, tzinfo=timezone.get_current_timezone())  # a Monday
    assert deadlines.deadline_for("filed", start).day == 11
    response = admin_client.post(
        "/admin/disputes/holiday/add/", {"date": "2026-03-10", "kind": "holiday", "name": "防汛停工"}
    )
    assert response.status_code == 302
    assert Holiday.objects.filter(date="2026-03-10").exists()
    assert deadlines.deadline_for("filed", start).day == 12
