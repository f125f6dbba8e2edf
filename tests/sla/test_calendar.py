"""Deadline policies and working-day arithmetic over China's holiday calendar."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from disputes.models import Holiday, SlaPolicy
from disputes.sla import calendar, deadlines, rules

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def test_the_migration_loads_the_design_defaults():
    rows = {p.state: p for p in SlaPolicy.objects.all()}
    assert (rows["filed"].duration, rows["filed"].unit, rows["filed"].working_days) == (2, "days", True)
    assert (rows["mediator_assigned"].duration, rows["mediator_assigned"].unit) == (24, "hours")
    assert rows["awaiting_response"].reminders == "5 days, 2 days"
    assert rows["escalated"].working_days
    assert rows["awaiting_signatures"].breach_action == "notify"
    assert set(rows) == set(rules.WAITING_STATES)


def test_the_migration_loads_the_2026_state_council_schedule():
    spring = Holiday.objects.filter(date__range=("2026-02-15", "2026-02-23"), kind="holiday")
    assert spring.count() == 9
    workdays = set(Holiday.objects.filter(kind="workday", date__year=2026).values_list("date", flat=True))
    assert {d.isoformat() for d in workdays} == {
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    }  # fmt: skip
    # 2027: only the statutory days are certain; no adjusted working days yet.
    assert Holiday.objects.filter(date__year=2027, kind="holiday").count() == 13
    assert not Holiday.objects.filter(date__year=2027, kind="workday").exists()


def test_working_days_skip_a_weekend():
    # Friday 2026-03-06 10:00 + 2 working days → Tuesday 10:00.
    assert calendar.add_working_days(local(2026, 3, 6, 10), 2) == local(2026, 3, 10, 10)


def test_working_days_skip_the_national_day_holiday_and_count_the_adjusted_saturday():
    # Wednesday 2026-09-30 + 2 working days: 1–7 October are off, Thursday the 8th is day 1,
    # Friday the 9th day 2.
    assert calendar.add_working_days(local(2026, 9, 30, 9), 2) == local(2026, 10, 9, 9)
    # Friday the 9th + 1: Saturday the 10th is an adjusted working day (调休上班).
    assert calendar.add_working_days(local(2026, 10, 9, 9), 1) == local(2026, 10, 10, 9)


def test_an_adjusted_working_day_counts_even_on_a_sunday():
    # Saturday 2026-09-19 + 1 working day: Sunday the 20th is worked.
    assert calendar.add_working_days(local(2026, 9, 19, 15), 1) == local(2026, 9, 20, 15)


def test_intake_deadline_counts_working_days_across_a_holiday():
    # Filed Thursday 2026-04-02 14:00: Friday the 3rd is day 1, 4–6 April Qingming, Tuesday the 7th day 2.
    assert deadlines.deadline_for("filed", local(2026, 4, 2, 14)) == local(2026, 4, 7, 14)


def test_a_holiday_added_in_the_admin_counts_at_once():
    start = local(2026, 3, 9, 10)  # Monday
    assert deadlines.deadline_for("filed", start) == local(2026, 3, 11, 10)
    Holiday.objects.create(date="2026-03-10", kind="holiday", name="台风停工")
    assert deadlines.deadline_for("filed", start) == local(2026, 3, 12, 10)


def test_calendar_days_policies_ignore_holidays():
    start = local(2026, 9, 30, 9)
    assert deadlines.deadline_for("awaiting_response", start) == start + timedelta(days=7)
    assert deadlines.deadline_for("mediator_assigned", start) == start + timedelta(hours=24)


def test_a_policy_change_takes_effect_without_a_restart():
    start = local(2026, 3, 2, 9)
    SlaPolicy.objects.filter(state="awaiting_response").update(duration=5)  # no signal: stale
    SlaPolicy.objects.get(state="awaiting_response").save()  # the admin saves the model
    assert deadlines.deadline_for("awaiting_response", start) == start + timedelta(days=5)


def test_an_inactive_policy_means_no_deadline():
    policy = SlaPolicy.objects.get(state="case_handling")
    policy.active = False
    policy.save()
    assert deadlines.deadline_for("case_handling", timezone.now()) is None


def test_terminal_states_have_no_deadline():
    assert deadlines.deadline_for("closed", timezone.now()) is None


def test_policies_are_read_from_the_cache(django_assert_num_queries):
    deadlines.deadline_for("filed", local(2026, 4, 2, 14))
    with django_assert_num_queries(0):
        for _ in range(50):
            deadlines.deadline_for("filed", local(2026, 4, 2, 14))
            deadlines.deadline_for("in_mediation", local(2026, 4, 2, 14))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"reminders": "two days"}, "reminders"),
        ({"reminders": "8 days"}, "reminders"),
        ({"unit": "hours", "working_days": True}, "working_days"),
        ({"home_visit": "1 day", "state": "filed"}, "home_visit"),
    ],
)
def test_the_admin_refuses_bad_policies(changes, field):
    policy = SlaPolicy.objects.get(state="awaiting_response")
    if "state" in changes:
        policy = SlaPolicy.objects.get(state=changes.pop("state"))
    for name, value in changes.items():
        setattr(policy, name, value)
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    assert field in caught.value.message_dict


def test_a_timeout_action_needs_a_timeout_transition():
    policy = SlaPolicy.objects.get(state="escalated")
    policy.breach_action = "timeout"
    with pytest.raises(ValidationError):
        policy.full_clean()
    policy.breach_action = "escalate"
    with pytest.raises(ValidationError):
        policy.full_clean()


def test_reminder_points_parse_in_english_and_chinese():
    assert rules.parse_spans("2 days, 4 hours") == (timedelta(days=2), timedelta(hours=4))
    assert rules.parse_spans("4小时，2天") == (timedelta(days=2), timedelta(hours=4))
    assert rules.parse_spans("") == ()
