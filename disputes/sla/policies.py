"""Deadline policies as the engine uses them: Rule, the defaults, and the cached table.

Policies and holidays are read through the cache (one entry, dropped on every change), so
computing deadlines costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from core.cache import forget, get_or_compute
from disputes.models import Dispute, Holiday, SlaNotice, SlaPolicy

from .rules import ESCALATABLE, TIMEOUT_TRANSITIONS, parse_spans, policy_length

S = Dispute.State
A = SlaPolicy.Action
K = SlaNotice.Kind
CACHE_KEY = "disputes:sla:table:v1"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    """A policy as the engine uses it (cached, so plain values only)."""

    state: str
    length: timedelta
    working_days: bool
    reminders: tuple[timedelta, ...]
    home_visit: timedelta | None
    action: str
    active: bool = True

    @property
    def name(self) -> str:
        return f"sla.{self.state}"

    def steps(self) -> list[tuple[str, timedelta]]:
        """(kind, lead before the deadline), earliest first; the breach last."""
        ladder = self.state == S.AWAITING_RESPONSE
        steps = [(K.RESPONDENT_REMINDER if ladder else K.REMINDER, lead) for lead in self.reminders]
        if ladder and self.home_visit:
            steps.append((K.HOME_VISIT, self.home_visit))
        steps.sort(key=lambda s: -s[1])
        return [*steps, (K.BREACH, timedelta(0))]

    def breach_transition(self) -> str | None:
        if self.action == A.TIMEOUT:
            return TIMEOUT_TRANSITIONS.get(self.state)
        if self.action == A.ESCALATE and self.state in ESCALATABLE:
            return "escalate"
        return None


# The docs/features/sla.md defaults; the data migration loads the same into SlaPolicy. A state
# with no row falls back to these (a transactional test's flush empties the table); untick
# `active` to switch a deadline off.
DEFAULTS: dict[str, Rule] = {
    r.state: r
    for r in [
        Rule(S.FILED, 2 * DAY, True, (timedelta(hours=4),), None, A.TIMEOUT),
        Rule(S.AWAITING_RESPONSE, 7 * DAY, False, (5 * DAY, 2 * DAY), DAY, A.TIMEOUT),
        Rule(S.AWAITING_MEDIATOR, 2 * DAY, False, (timedelta(hours=4),), None, A.TIMEOUT),
        Rule(S.MEDIATOR_ASSIGNED, timedelta(hours=24), False, (timedelta(hours=4),), None, A.TIMEOUT),
        Rule(S.IN_MEDIATION, 30 * DAY, False, (7 * DAY, 2 * DAY), None, A.TIMEOUT),
        Rule(S.AWAITING_SIGNATURES, 7 * DAY, False, (2 * DAY,), None, A.NOTIFY),
        Rule(S.ESCALATED, 3 * DAY, True, (DAY,), None, A.NOTIFY),
        Rule(S.CASE_HANDLING, 30 * DAY, False, (7 * DAY, 2 * DAY), None, A.NOTIFY),
        Rule(S.SETTLED, 7 * DAY, False, (2 * DAY,), None, A.NOTIFY),
    ]
}


def _rule(policy: SlaPolicy) -> Rule:
    home_visit = parse_spans(policy.home_visit)
    return Rule(
        state=policy.state,
        length=policy_length(policy),
        working_days=policy.working_days,
        reminders=parse_spans(policy.reminders),
        home_visit=home_visit[0] if home_visit else None,
        action=policy.breach_action,
        active=policy.active,
    )


def _load_table() -> tuple[dict[str, Rule], dict[date, str]]:
    rules = dict(DEFAULTS)
    for policy in SlaPolicy.objects.all():
        try:
            rule = _rule(policy)
        except ValueError:  # saved around clean() (shell, fixtures): keep the default
            continue
        rules.update({rule.state: rule})
    return rules, dict(Holiday.objects.values_list("date", "kind"))


def table() -> tuple[dict[str, Rule], dict[date, str]]:
    """(rules by state, holiday kinds by date), from the cache."""
    return get_or_compute(CACHE_KEY, _load_table, settings.SLA_CACHE_SECONDS)


def rule_for(state: str) -> Rule | None:
    rule = table()[0].get(state)
    return rule if rule and rule.active else None


def forget_table(**_kwargs) -> None:
    """Drop the cached policies and holidays now and again at commit (other processes read after it).

    A post_save/post_delete receiver of SlaPolicy and Holiday (engine.register), not a save()
    override: the admin's bulk delete and fixture loads bypass Model.save()/delete().
    """
    forget(CACHE_KEY)
    transaction.on_commit(lambda: forget(CACHE_KEY))
