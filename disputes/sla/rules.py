"""What a deadline policy must satisfy (SlaPolicy.clean), and the spans it is written in.

Imports only the Dispute model, so disputes.models.sla can import it without a cycle. The
policy's own choices (unit, breach action) are read from the instance (`policy.Unit`,
`policy.Action`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from disputes.models.dispute import Dispute

S = Dispute.State

# The transition docs/state-machine.md names for a timeout in each state; other states only notify.
TIMEOUT_TRANSITIONS = {
    S.FILED: "escalate",
    S.AWAITING_RESPONSE: "respondent_decline",
    S.AWAITING_MEDIATOR: "escalate",
    S.MEDIATOR_ASSIGNED: "mediator_decline",
    S.IN_MEDIATION: "escalate",
}
ESCALATABLE = (S.FILED, S.AWAITING_RESPONSE, S.AWAITING_MEDIATOR, S.MEDIATOR_ASSIGNED, S.IN_MEDIATION)
WAITING_STATES = (*ESCALATABLE, S.AWAITING_SIGNATURES, S.SETTLED, S.ESCALATED, S.CASE_HANDLING)

_SPAN = re.compile(r"^\s*(\d+)\s*(days?|d|天|hours?|h|小时)\s*$", re.IGNORECASE)


def parse_spans(text: str) -> tuple[timedelta, ...]:
    """'2 days, 4 hours' → (2 days, 4 hours), longest first. Raises ValueError on anything else."""
    spans = []
    for part in re.split(r"[,，、;；]", text or ""):
        if not part.strip():
            continue
        match = _SPAN.match(part)
        if not match or int(match[1]) == 0:
            raise ValueError(part.strip())
        unit = match[2].lower()
        spans.append(timedelta(days=int(match[1])) if unit[0] in "d天" else timedelta(hours=int(match[1])))
    return tuple(sorted(set(spans), reverse=True))


def policy_length(policy) -> timedelta:
    return (
        timedelta(days=policy.duration)
        if policy.unit == policy.Unit.DAYS
        else timedelta(hours=policy.duration)
    )


# --- one checker per field: each returns {field: message} for what it refuses -------------------
def check_state(policy) -> dict[str, str]:
    if policy.state and policy.state not in WAITING_STATES:
        return {"state": _("Nobody is waited on in this state; it has no deadline.")}
    return {}


def check_duration(policy) -> dict[str, str]:
    return {} if policy.duration else {"duration": _("Give a duration of at least 1.")}


def check_working_days(policy) -> dict[str, str]:
    if policy.working_days and policy.unit != policy.Unit.DAYS:
        return {"working_days": _("Working days apply to durations in days only.")}
    return {}


def check_spans(field: str) -> Callable[[object], dict[str, str]]:
    """The reminder or home visit points: readable, and each before the deadline."""

    def check(policy) -> dict[str, str]:
        length = policy_length(policy) if policy.duration else timedelta(0)
        try:
            spans = parse_spans(getattr(policy, field))
        except ValueError as exc:
            return {field: _('Write points like "2 days, 4 hours"; "%(part)s" is not one.') % {"part": exc}}
        if any(span >= length for span in spans):
            return {field: _("Every point must come before the deadline: shorter than the duration.")}
        return {}

    return check


def check_home_visit_state(policy) -> dict[str, str]:
    if policy.home_visit and policy.state != S.AWAITING_RESPONSE:
        return {"home_visit": _("Only the respondent's answer has a home visit step.")}
    return {}


def check_breach_action(policy) -> dict[str, str]:
    if policy.breach_action == policy.Action.TIMEOUT and policy.state not in TIMEOUT_TRANSITIONS:
        return {"breach_action": _("This state has no timeout transition: choose to notify the staff.")}
    if policy.breach_action == policy.Action.ESCALATE and policy.state not in ESCALATABLE:
        return {"breach_action": _("A dispute cannot be escalated from this state.")}
    return {}


# In this order: a later checker's message for the same field replaces an earlier one.
CHECKS = (
    check_state,
    check_duration,
    check_working_days,
    check_spans("reminders"),
    check_spans("home_visit"),
    check_home_visit_state,
    check_breach_action,
)


def policy_errors(policy) -> dict[str, str]:
    """Every checker's findings, collected."""
    errors: dict[str, str] = {}
    for check in CHECKS:
        errors.update(check(policy))
    return errors


def validate_policy(policy) -> None:
    """Model.clean() for SlaPolicy: what the admin form refuses, in words."""
    if errors := policy_errors(policy):
        raise ValidationError(errors)
