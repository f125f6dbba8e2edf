"""Deadlines and when the sweeper looks at them: pure computation (it never imports
disputes.services, which calls it on every transition).

Every writer of `Dispute.due_at` (filing, fire(), a follow-up dispute, the settled
dispute's follow-up visit) sets `Dispute.sla_next_at` with it through `schedule()`: the
earliest reminder point of the deadline, or the deadline.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from disputes.models import Dispute

from .calendar import add_working_days
from .policies import rule_for

S = Dispute.State
# The hour of the performance deadline a settled dispute's follow-up visit counts from (as mediation does).
FOLLOW_UP_FROM = time(18)


def deadline_for(state: str, start: datetime) -> datetime | None:
    """The due time for a dispute entering `state` at `start`; None for states that wait on nobody."""
    rule = rule_for(state)
    if rule is None:
        return None
    if rule.working_days:
        return add_working_days(start, rule.length.days)
    return start + rule.length


def first_check(state: str, due_at: datetime | None) -> datetime | None:
    """When the sweeper must first look at a deadline: its earliest step (even if already past)."""
    rule = rule_for(state)
    if rule is None or due_at is None:
        return None
    return min(due_at - lead for _kind, lead in rule.steps())


def schedule(state: str, due_at: datetime | None) -> tuple[datetime | None, datetime | None]:
    """(due_at, sla_next_at) for a dispute in `state` with this deadline: set both together."""
    return due_at, first_check(state, due_at)


def start_deadline(state: str, start: datetime) -> tuple[datetime | None, datetime | None]:
    """(due_at, sla_next_at) for a dispute entering `state` at `start`."""
    return schedule(state, deadline_for(state, start))


def follow_up_due(dispute: Dispute, settled_at: datetime) -> datetime | None:
    """A settled dispute's follow-up visit: the policy's time after the performance deadline.

    The deadline comes from the latest `propose_settlement` on the timeline (disputes never
    reads mediation's tables); without one, the policy's time after settling.
    """
    event = dispute.events.filter(transition="propose_settlement").order_by("-at", "-id").first()
    raw = (event.payload or {}).get("performance_deadline") if event else None
    try:
        start = (
            timezone.make_aware(datetime.combine(date.fromisoformat(raw), FOLLOW_UP_FROM)) if raw else None
        )
    except (TypeError, ValueError):
        start = None
    return deadline_for(S.SETTLED, start or settled_at)
