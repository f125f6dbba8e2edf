"""Session reminders: the day before (on the last working day) and an hour before, once each
(docs/features/sessions.md, "Reminders and working days")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from disputes.models import Holiday
from disputes.sla import policies
from mediation.models import Session, SessionReminder
from mediation.sessions import reminders, services
from mediation.tasks import send_session_reminders
from notifications.models import Notification

from .conftest import soon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_weeks(db):
    """No holidays or adjusted working days near the sessions below: weekends are off."""
    Holiday.objects.filter(
        date__gte=timezone.localdate(), date__lte=timezone.localdate() + dt.timedelta(days=40)
    ).delete()
    policies.forget_table()


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def monday() -> dt.date:
    """The Monday of the week after next."""
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday() + 7)


def make(rooms, mediator, starts_at, which="joint", **extra) -> Session:
    place = {"place": "社区调解室"} if extra.get("mode", "in_person") == "in_person" else {}
    return services.schedule(
        rooms[which], by=mediator, mode=extra.pop("mode", "in_person"), starts_at=starts_at, **place, **extra
    )


def reminded(kind=None) -> list[tuple[str, int]]:
    rows = SessionReminder.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("kind", "user_id"))


def test_day_before_and_hour_before_once_each(rooms, mediator, claimant, respondent, monday):
    tuesday = monday + dt.timedelta(days=1)
    session = make(rooms, mediator, local(tuesday, 10))
    everyone = sorted([claimant.pk, respondent.pk, mediator.pk])
    assert reminders.sweep(local(monday, 9, 59)) == 0
    assert reminders.sweep(local(monday, 10)) == 3
    assert reminders.sweep(local(monday, 10, 5)) == 0  # the beat's next run: nothing twice
    assert [u for _, u in reminded("day_before")] == everyone
    assert reminders.sweep(local(tuesday, 8, 59)) == 0
    assert reminders.sweep(local(tuesday, 9)) == 3
    assert reminders.sweep(local(tuesday, 9, 5)) == 0
    assert reminders.sweep(local(tuesday, 10, 1)) == 0  # started
    assert [u for _, u in reminded("hour_before")] == everyone
    notices = Notification.objects.filter(user=claimant, kind="session_reminder", channel="in_app")
    assert notices.count() == 2
    assert all("社区调解室" in n.body and f"{tuesday:%Y-%m-%d} 10:00" in n.body for n in notices)
    assert Notification.objects.filter(user=respondent, kind="session_reminder", channel="sms").count() == 2
    assert SessionReminder.objects.filter(session=session, version=1).count() == 6


def test_a_monday_session_is_reminded_on_friday(rooms, mediator, monday):
    make(rooms, mediator, local(monday, 10))
    friday, saturday, sunday = (monday - dt.timedelta(days=n) for n in (3, 2, 1))
    assert reminders.sweep(local(friday, 9, 55)) == 0
    assert reminders.sweep(local(friday, 10)) == 3
    assert reminders.sweep(local(saturday, 10)) == 0
    assert reminders.sweep(local(sunday, 10)) == 0
    assert reminded("day_before") and not reminded("hour_before")


def test_a_friday_holiday_moves_the_reminder_to_thursday(rooms, mediator, monday):
    friday, thursday = monday - dt.timedelta(days=3), monday - dt.timedelta(days=4)
    Holiday.objects.create(date=friday, name="假日")
    make(rooms, mediator, local(monday, 10))
    assert reminders.sweep(local(thursday, 10)) == 3
    assert reminders.sweep(local(friday, 10)) == 0


def test_an_adjusted_working_sunday_gets_the_reminder(rooms, mediator, monday):
    sunday = monday - dt.timedelta(days=1)
    Holiday.objects.create(date=sunday, kind=Holiday.Kind.WORKDAY, name="调休上班")
    make(rooms, mediator, local(monday, 10))
    assert reminders.sweep(local(monday - dt.timedelta(days=3), 10)) == 0
    assert reminders.sweep(local(sunday, 10)) == 3


def test_a_change_re_arms_the_reminders(rooms, mediator, monday):
    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    session = make(rooms, mediator, local(tuesday, 10))
    assert reminders.sweep(local(monday, 10)) == 3
    session = services.change(session, by=mediator, starts_at=local(wednesday, 15))
    assert reminders.sweep(local(monday, 10, 5)) == 0
    assert reminders.sweep(local(tuesday, 15)) == 3
    assert reminders.sweep(local(wednesday, 14)) == 3
    assert SessionReminder.objects.filter(version=2).count() == 6
    assert SessionReminder.objects.filter(version=1).count() == 3


def test_a_cancelled_session_sends_none(rooms, mediator, monday):
    tuesday = monday + dt.timedelta(days=1)
    session = make(rooms, mediator, local(tuesday, 10))
    services.cancel(session, by=mediator, reason="改期")
    assert reminders.sweep(local(monday, 10)) == 0
    assert reminders.sweep(local(tuesday, 9, 30)) == 0
    assert not SessionReminder.objects.exists()


def test_a_caucus_session_reminds_its_party_and_the_mediator_only(
    rooms, mediator, claimant, respondent, monday
):
    tuesday = monday + dt.timedelta(days=1)
    make(rooms, mediator, local(tuesday, 10), "claimant", mode="phone")
    assert reminders.sweep(local(tuesday, 9)) == 2
    assert [u for _, u in reminded()] == sorted([claimant.pk, mediator.pk])
    assert not Notification.objects.filter(user=respondent, kind__startswith="session").exists()
    (notice,) = Notification.objects.filter(user=claimant, kind="session_reminder", channel="in_app")
    assert notice.title.endswith("电话调解提醒")


def test_a_session_scheduled_late_is_not_reminded_the_day_before(rooms, mediator):
    starts = soon(hours=5)
    make(rooms, mediator, starts)
    assert reminders.sweep(timezone.now() + dt.timedelta(minutes=1)) == 0
    assert reminders.sweep(starts - dt.timedelta(minutes=59)) == 3
    assert reminded("day_before") == []


def test_the_beat_task_sends_due_reminders_once(
    rooms, mediator, claimant, outbox, django_capture_on_commit_callbacks
):
    session = make(rooms, mediator, soon(minutes=30))
    Session.objects.filter(pk=session.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_session_reminders.apply().get() == 3
    assert send_session_reminders.apply().get() == 0
    assert reminded() == sorted(("hour_before", u.pk) for u in session.attendees.all())
    (sms,) = outbox.sms(claimant.phone)
    assert "调解会议提醒" in sms["body"]


def test_the_sweep_works_in_batches(rooms, mediator, monday):
    tuesday = monday + dt.timedelta(days=1)
    for hour in (9, 10, 11):
        make(rooms, mediator, local(tuesday, hour))
    assert reminders.sweep(local(monday, 12), batch=2) == 6
    assert reminders.sweep(local(monday, 12), batch=2) == 3
    assert reminders.sweep(local(monday, 12), batch=2) == 0
