"""Working days: Monday to Friday, less public holidays, plus adjusted working days (调休上班)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from disputes.models import Holiday

from .policies import table

DAY = timedelta(days=1)


def is_working_day(day: date) -> bool:
    """Monday to Friday unless a public holiday; a weekend day only if it is an adjusted working day."""
    kind = table()[1].get(day)
    if kind == Holiday.Kind.WORKDAY:
        return True
    if kind == Holiday.Kind.HOLIDAY:
        return False
    return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> datetime:
    """The same local clock time on the `days`-th working day after `start`'s date."""
    local = timezone.localtime(start)
    day, counted = local.date(), 0
    while counted < days:
        day += DAY
        counted += is_working_day(day)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))
