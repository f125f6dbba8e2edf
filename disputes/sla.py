"""Deadlines (DESIGN §6): policies, the holiday calendar, reminders, the respondent ladder, breaches.

- `deadline_for(state, start)` gives the due time of a state entered at `start` (fire() sets
  `Dispute.due_at` with it on every transition).
- `Dispute.sla_next_at` says when the sweeper must next look at a dispute: the earliest
  reminder point of its deadline, or the deadline. A pre_save/post_save receiver keeps it in
  step with `due_at`, whoever writes `due_at`.
- `sweep(now)` (Celery beat, every minute) takes the disputes whose `sla_next_at` has come,
  each under its row lock (skip_locked), and takes each step once: a `SlaNotice` row is
  unique per (dispute, deadline, kind, lead), and fire() checks the state again.

Policies and holidays are read through the cache (one entry, dropped on every change), so
computing deadlines costs no query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import roles
from accounts.models import StaffRole, User
from core.cache import forget, get_or_compute
from core.errors import ServiceError

from .hooks import ON_EVENT, RESOLVERS
from .models import Dispute, DisputeEvent, Holiday, SlaNotice, SlaPolicy

S = Dispute.State
A = SlaPolicy.Action
K = SlaNotice.Kind

# The transition DESIGN §2 names for a timeout in each state; other states only notify.
TIMEOUT_TRANSITIONS = {
    S.FILED: "escalate",
    S.AWAITING_RESPONSE: "respondent_decline",
    S.AWAITING_MEDIATOR: "escalate",
    S.MEDIATOR_ASSIGNED: "mediator_decline",
    S.IN_MEDIATION: "escalate",
}
ESCALATABLE = (S.FILED, S.AWAITING_RESPONSE, S.AWAITING_MEDIATOR, S.MEDIATOR_ASSIGNED, S.IN_MEDIATION)
WAITING_STATES = (*ESCALATABLE, S.AWAITING_SIGNATURES, S.SETTLED, S.ESCALATED, S.CASE_HANDLING)
# Payload keys the SLA engine adds for the timeline; never passed to a transition method.
SLA_KEYS = ("rule", "due_at")
CACHE_KEY = "disputes:sla:table:v1"
DAY = timedelta(days=1)
# The hour of the performance deadline a settled dispute's follow-up visit counts from (as mediation does).
FOLLOW_UP_FROM = time(18)


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


# The DESIGN §6 defaults; the data migration loads the same into SlaPolicy. A state with no
# row falls back to these (a transactional test's flush empties the table); untick `active`
# to switch a deadline off.
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


# --- policies: parsing, validation, cache -------------------------------------------------------
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


def policy_length(policy: SlaPolicy) -> timedelta:
    return (
        timedelta(days=policy.duration)
        if policy.unit == SlaPolicy.Unit.DAYS
        else timedelta(hours=policy.duration)
    )


def validate_policy(policy: SlaPolicy) -> None:
    """Model.clean() for SlaPolicy: what the admin form refuses, in words."""
    errors: dict[str, str] = {}
    if policy.state and policy.state not in WAITING_STATES:
        errors["state"] = _("Nobody is waited on in this state; it has no deadline.")
    if not policy.duration:
        errors["duration"] = _("Give a duration of at least 1.")
    if policy.working_days and policy.unit != SlaPolicy.Unit.DAYS:
        errors["working_days"] = _("Working days apply to durations in days only.")
    length = policy_length(policy) if policy.duration else timedelta(0)
    for field in ("reminders", "home_visit"):
        try:
            spans = parse_spans(getattr(policy, field))
        except ValueError as exc:
            errors[field] = _('Write points like "2 days, 4 hours"; "%(part)s" is not one.') % {"part": exc}
            continue
        if any(span >= length for span in spans):
            errors[field] = _("Every point must come before the deadline: shorter than the duration.")
    if policy.home_visit and policy.state != S.AWAITING_RESPONSE:
        errors["home_visit"] = _("Only the respondent's answer has a home visit step.")
    if policy.breach_action == A.TIMEOUT and policy.state not in TIMEOUT_TRANSITIONS:
        errors["breach_action"] = _("This state has no timeout transition: choose to notify the staff.")
    if policy.breach_action == A.ESCALATE and policy.state not in ESCALATABLE:
        errors["breach_action"] = _("A dispute cannot be escalated from this state.")
    if errors:
        raise ValidationError(errors)


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


def _table() -> tuple[dict[str, Rule], dict[date, str]]:
    return get_or_compute(CACHE_KEY, _load_table, settings.SLA_CACHE_SECONDS)


def rule_for(state: str) -> Rule | None:
    rule = _table()[0].get(state)
    return rule if rule and rule.active else None


def forget_table(**_kwargs) -> None:
    """Drop the cached policies and holidays now and again at commit (other processes read after it)."""
    forget(CACHE_KEY)
    transaction.on_commit(lambda: forget(CACHE_KEY))


# --- calendar ---------------------------------------------------------------------------------
def is_working_day(day: date) -> bool:
    """Monday to Friday unless a public holiday; a weekend day only if it is an adjusted working day."""
    kind = _table()[1].get(day)
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


def deadline_for(state: str, start: datetime) -> datetime | None:
    """The due time for a dispute entering `state` at `start`; None for states that wait on nobody."""
    rule = rule_for(state)
    if rule is None:
        return None
    if rule.working_days:
        return add_working_days(start, rule.length.days)
    return start + rule.length


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


# --- keeping sla_next_at in step with due_at --------------------------------------------------------
def first_check(state: str, due_at: datetime | None) -> datetime | None:
    """When the sweeper must first look at a deadline: its earliest step (even if already past)."""
    rule = rule_for(state)
    if rule is None or due_at is None:
        return None
    return min(due_at - lead for _kind, lead in rule.steps())


def _before_save(sender, instance: Dispute, update_fields=None, **_kwargs) -> None:
    if update_fields is None or "due_at" in update_fields:
        instance.sla_next_at = first_check(instance.state, instance.due_at)


def _after_save(sender, instance: Dispute, update_fields=None, **_kwargs) -> None:
    # save(update_fields=["due_at"]) (e.g. mediation setting the follow-up date) skips our column.
    if update_fields is not None and "due_at" in update_fields and "sla_next_at" not in update_fields:
        Dispute.objects.filter(pk=instance.pk).update(sla_next_at=instance.sla_next_at)


def _on_event(event: DisputeEvent, notify) -> None:
    """The last signature settles a dispute: its deadline becomes the follow-up visit."""
    dispute = event.dispute
    if event.transition == "sign" and dispute.state == S.SETTLED:
        dispute.due_at = follow_up_due(dispute, event.at)
        dispute.sla_next_at = first_check(dispute.state, dispute.due_at)
        Dispute.objects.filter(pk=dispute.pk).update(due_at=dispute.due_at, sla_next_at=dispute.sla_next_at)


def _reason_only(dispute: Dispute, by, payload: dict) -> dict:
    """The SLA engine's rule and deadline go on the timeline, not into the transition method."""
    return {k: v for k, v in payload.items() if k not in SLA_KEYS}


def register() -> None:
    """Called from DisputesConfig.ready(): keep sla_next_at in step with due_at, drop the
    cached tables when staff edit them, start the follow-up deadline when a dispute settles
    (first, so notices already see it), and keep the engine's keys out of timeout transitions."""
    for model in (SlaPolicy, Holiday):
        post_save.connect(forget_table, sender=model, dispatch_uid=f"sla-forget-{model.__name__}-save")
        post_delete.connect(forget_table, sender=model, dispatch_uid=f"sla-forget-{model.__name__}-delete")
    pre_save.connect(_before_save, sender=Dispute, dispatch_uid="sla-next-before")
    post_save.connect(_after_save, sender=Dispute, dispatch_uid="sla-next-after")
    if _on_event not in ON_EVENT:
        ON_EVENT.insert(0, _on_event)
    for name in set(TIMEOUT_TRANSITIONS.values()):
        RESOLVERS.setdefault(name, _reason_only)


# --- who is responsible ------------------------------------------------------------------------
def responsible(dispute: Dispute) -> list[User]:
    """Who must act while the dispute waits in its current state."""
    if dispute.state in (S.MEDIATOR_ASSIGNED, S.IN_MEDIATION, S.AWAITING_SIGNATURES) and dispute.mediator_id:
        return [dispute.mediator]
    if dispute.state == S.CASE_HANDLING and dispute.case_handler_id:
        return [dispute.case_handler]
    if dispute.state == S.ESCALATED:
        return roles.staff_over(dispute.grid, StaffRole.Role.CASE_HANDLER, max_depth=dispute.level)
    return roles.staff_over(dispute.grid, StaffRole.Role.GRID_WORKER)


# --- the sweep ---------------------------------------------------------------------------------------
def sweep(now: datetime | None = None, *, batch: int | None = None) -> int:
    """Take every SLA step that has come due by `now`; returns the disputes handled.

    Safe to run in several processes at once: each dispute is handled under its row lock
    (others skip it), its `sla_next_at` is re-checked under the lock, and each step is
    claimed by a unique `SlaNotice` row before it is taken.
    """
    now = now or timezone.now()
    batch = batch or settings.SLA_SWEEP_BATCH
    ids = list(
        Dispute.objects.filter(sla_next_at__lte=now)
        .order_by("sla_next_at")
        .values_list("pk", flat=True)[:batch]
    )
    handled = 0
    for pk in ids:
        with transaction.atomic():
            dispute = (
                Dispute.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("grid", "mediator", "case_handler")
                .filter(pk=pk, sla_next_at__lte=now)
                .first()
            )
            if dispute is None:  # another sweeper holds it, or has just handled it
                continue
            _handle(dispute, now)
            handled += 1
    return handled


def _handle(dispute: Dispute, now: datetime) -> None:
    """Caller holds the row lock. Takes the steps due by `now`, then schedules the next look."""
    rule, due = rule_for(dispute.state), dispute.due_at
    if rule is None or due is None:
        Dispute.objects.filter(pk=dispute.pk).update(sla_next_at=None)
        return
    for kind, lead in rule.steps():
        if due - lead > now:
            break
        if kind != K.BREACH and due <= now:
            continue  # the deadline itself has passed: the breach supersedes late reminders
        if not _claim(dispute, due, kind, lead):
            continue
        if kind == K.BREACH:
            if _breach(dispute, rule, now):
                return  # fire() moved the dispute on and set its new deadline
        else:
            _remind(dispute, rule, kind, lead, now)
    later = [due - lead for _kind, lead in rule.steps() if due - lead > now]
    Dispute.objects.filter(pk=dispute.pk).update(sla_next_at=min(later, default=None))


def _claim(dispute: Dispute, due: datetime, kind: str, lead: timedelta) -> bool:
    try:
        with transaction.atomic():
            SlaNotice.objects.create(dispute=dispute, due_at=due, kind=kind, lead=int(lead.total_seconds()))
    except IntegrityError:
        return False
    return True


def iso(moment: datetime) -> str:
    """How the timeline payload gives a deadline: local time with its offset."""
    return timezone.localtime(moment).isoformat()


def _words(span: timedelta) -> str:
    if span % DAY == timedelta(0):
        return f"{span // DAY} d"
    return f"{int(span.total_seconds() // 3600)} h"


def _remind(dispute: Dispute, rule: Rule, kind: str, lead: timedelta, now: datetime) -> None:
    due = iso(dispute.due_at)
    if kind == K.RESPONDENT_REMINDER:
        step = round((rule.length - lead) / DAY)
        payload = {"step": step, "due_at": due, "rule": rule.name}
        services().record_event(dispute, "respondent_reminder", None, payload=payload)
    elif kind == K.HOME_VISIT:
        payload = {"due_at": due, "rule": rule.name}
        grid_workers = roles.staff_over(dispute.grid, StaffRole.Role.GRID_WORKER)
        services().record_event(dispute, "home_visit_task", None, payload=payload, notify=grid_workers)
        Dispute.objects.filter(pk=dispute.pk).update(home_visit_due_at=now)
    else:
        payload = {"rule": rule.name, "due_at": due, "before": _words(lead)}
        services().record_event(dispute, "sla_reminder", None, payload=payload, notify=responsible(dispute))


BREACH_REASONS = {
    "respondent_decline": _lazy(
        "The respondent did not answer by %(due)s: declined by the system (rule %(rule)s)."
    ),
    "mediator_decline": _lazy(
        "The mediator did not accept by %(due)s: declined by the system (rule %(rule)s)."
    ),
    "escalate": _lazy(
        "Deadline %(due)s passed in the state %(state)s: escalated by the system (rule %(rule)s)."
    ),
    None: _lazy(
        "Deadline %(due)s passed in the state %(state)s: the responsible staff are told (rule %(rule)s)."
    ),
}


def _breach(dispute: Dispute, rule: Rule, now: datetime) -> bool:
    """Act on a passed deadline; True if a transition fired."""
    payload = {"rule": rule.name, "due_at": iso(dispute.due_at)}
    name = rule.breach_transition()
    for action in (name, None) if name else (None,):
        # The timeline keeps one language: the platform's.
        with translation.override(settings.LANGUAGE_CODE):
            reason = str(BREACH_REASONS[action]) % {
                "due": f"{timezone.localtime(dispute.due_at):%Y-%m-%d %H:%M}",
                "state": S(dispute.state).label,
                "rule": rule.name,
            }
        if action is None:
            services().record_event(
                dispute, "sla_breach", None, reason=reason, payload=payload, notify=responsible(dispute)
            )
            return False
        try:
            services().fire(dispute.pk, action, by=None, payload={"reason": reason, **payload})
            return True
        except ServiceError:
            continue  # a condition failed (e.g. no mediator): tell the staff instead
    return False


def services():
    from . import services as dispute_services  # services imports this module

    return dispute_services


# --- the respondent ladder's home visit ----------------------------------------------------------------
def may_record_home_visit(dispute: Dispute, user) -> bool:
    """What record_home_visit allows: a grid worker of the grid, while the answer is awaited."""
    return dispute.state == S.AWAITING_RESPONSE and dispute.is_grid_worker(user)


def record_home_visit(dispute_id: int, *, by: User, note: str) -> DisputeEvent:
    """A grid worker of the dispute's grid records a home visit to the respondent.

    Allowed while the dispute awaits the respondent's answer (409 otherwise); clears the
    "home visit due" marker, and a visit made before the ladder asks for one stands for it.
    The caller has checked visibility.
    """
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute_id)
        if not dispute.is_grid_worker(by):
            raise ServiceError(
                _("Only a grid worker of this grid can record a home visit."),
                code="permission_denied",
                status=403,
            )
        if dispute.state != S.AWAITING_RESPONSE:
            raise ServiceError(
                _("A home visit is recorded only while the respondent's answer is awaited."),
                code="conflict",
                status=409,
            )
        event = services().record_event(dispute, "home_visit", by, reason=note)
        rule = rule_for(dispute.state)
        if rule and rule.home_visit and dispute.due_at:
            _claim(dispute, dispute.due_at, K.HOME_VISIT, rule.home_visit)
        Dispute.objects.filter(pk=dispute.pk).update(home_visit_due_at=None)
    return event
