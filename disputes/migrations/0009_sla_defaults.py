"""DESIGN §6 default deadline policies, China's 2026 and 2027 holiday calendar, and the
sweeper's first look at existing disputes."""

from datetime import date, timedelta

from django.db import migrations

# state, duration, unit, working days, reminders, home visit, breach action
POLICIES = [
    ("filed", 2, "days", True, "4 hours", "", "timeout"),
    ("awaiting_response", 7, "days", False, "5 days, 2 days", "1 day", "timeout"),
    ("awaiting_mediator", 2, "days", False, "4 hours", "", "timeout"),
    ("mediator_assigned", 24, "hours", False, "4 hours", "", "timeout"),
    ("in_mediation", 30, "days", False, "7 days, 2 days", "", "timeout"),
    ("awaiting_signatures", 7, "days", False, "2 days", "", "notify"),
    ("escalated", 3, "days", True, "1 day", "", "notify"),
    ("case_handling", 30, "days", False, "7 days, 2 days", "", "notify"),
    ("settled", 7, "days", False, "2 days", "", "notify"),
]
# The earliest reminder of each state, for disputes already waiting when this runs.
FIRST_LEAD = {
    "filed": timedelta(hours=4), "awaiting_response": timedelta(days=5), "awaiting_mediator": timedelta(hours=4),
    "mediator_assigned": timedelta(hours=4), "in_mediation": timedelta(days=7),
    "awaiting_signatures": timedelta(days=2), "escalated": timedelta(days=1),
    "case_handling": timedelta(days=7), "settled": timedelta(days=2),
}  # fmt: skip


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


# 国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025).
HOLIDAYS_2026 = [
    ("元旦", date(2026, 1, 1), date(2026, 1, 3), [date(2026, 1, 4)]),
    ("春节", date(2026, 2, 15), date(2026, 2, 23), [date(2026, 2, 14), date(2026, 2, 28)]),
    ("清明节", date(2026, 4, 4), date(2026, 4, 6), []),
    ("劳动节", date(2026, 5, 1), date(2026, 5, 5), [date(2026, 5, 9)]),
    ("端午节", date(2026, 6, 19), date(2026, 6, 21), []),
    ("中秋节", date(2026, 9, 25), date(2026, 9, 27), []),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
]
# 2027: the State Council's schedule (with its adjusted working days) was not known when this
# was written. Only the statutory days off of 《全国年节及纪念日放假办法》 (2024) are certain:
# New Year 1, Spring Festival 4 (除夕 to 初三), Qingming 1, Labour Day 2, Dragon Boat 1,
# Mid-Autumn 1, National Day 3. Add the rest in the admin once it is published.
HOLIDAYS_2027 = [
    ("元旦", date(2027, 1, 1), date(2027, 1, 1), []),
    ("春节", date(2027, 2, 5), date(2027, 2, 8), []),
    ("清明节", date(2027, 4, 5), date(2027, 4, 5), []),
    ("劳动节", date(2027, 5, 1), date(2027, 5, 2), []),
    ("端午节", date(2027, 6, 9), date(2027, 6, 9), []),
    ("中秋节", date(2027, 9, 15), date(2027, 9, 15), []),
    ("国庆节", date(2027, 10, 1), date(2027, 10, 3), []),
]


def load(apps, schema_editor):
    SlaPolicy = apps.get_model("disputes", "SlaPolicy")
    Holiday = apps.get_model("disputes", "Holiday")
    Dispute = apps.get_model("disputes", "Dispute")
    for state, duration, unit, working_days, reminders, home_visit, action in POLICIES:
        SlaPolicy.objects.update_or_create(
            state=state,
            defaults=dict(
                duration=duration, unit=unit, working_days=working_days, reminders=reminders,
                home_visit=home_visit, breach_action=action,
            ),
        )  # fmt: skip
    for name, first, last, workdays in HOLIDAYS_2026 + HOLIDAYS_2027:
        for day in days(first, last):
            Holiday.objects.update_or_create(date=day, defaults={"kind": "holiday", "name": name})
        for day in workdays:
            Holiday.objects.update_or_create(date=day, defaults={"kind": "workday", "name": f"{name}调休上班"})
    for state, lead in FIRST_LEAD.items():
        for pk, due in Dispute.objects.filter(state=state, due_at__isnull=False).values_list("pk", "due_at"):
            Dispute.objects.filter(pk=pk).update(sla_next_at=due - lead)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0008_sla_policies_holidays")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
