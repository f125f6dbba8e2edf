"""The SLA sweep (docs/features/sla.md): reminders, the respondent ladder, breaches.

`sweep(now)` (Celery beat, every minute) takes the disputes whose `sla_next_at` has come,
each under its row lock (skip_locked), and takes each step once: a `SlaNotice` row is unique
per (dispute, deadline, kind, lead), and fire() checks the state again. A breach fires the
state's timeout transition through disputes.services.fire, which sets the next deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy

from accounts import roles
from accounts.models import StaffRole, User
from core.errors import ServiceError
from disputes import services
from disputes.hooks import ON_EVENT, RESOLVERS
from disputes.models import Dispute, DisputeEvent, Holiday, SlaNotice, SlaPolicy

from .deadlines import follow_up_due, schedule
from .policies import DAY, Rule, forget_table, rule_for
from .rules import TIMEOUT_TRANSITIONS

S = Dispute.State
K = SlaNotice.Kind
# Payload keys the SLA engine adds for the timeline; never passed to a transition method.
SLA_KEYS = ("rule", "due_at")


# --- hooks ------------------------------------------------------------------------------------
def _on_event(event: DisputeEvent, notify) -> None:
    """The last signature settles a dispute: its deadline becomes the follow-up visit."""
    dispute = event.dispute
    if event.transition == "sign" and dispute.state == S.SETTLED:
        dispute.due_at, dispute.sla_next_at = schedule(dispute.state, follow_up_due(dispute, event.at))
        Dispute.objects.filter(pk=dispute.pk).update(due_at=dispute.due_at, sla_next_at=dispute.sla_next_at)


def _reason_only(dispute: Dispute, by, payload: dict) -> dict:
    """The SLA engine's rule and deadline go on the timeline, not into the transition method."""
    return {k: v for k, v in payload.items() if k not in SLA_KEYS}


def register() -> None:
    """Called from DisputesConfig.ready(): drop the cached tables when staff edit them, start
    the follow-up deadline when a dispute settles (first, so notices already see it), and keep
    the engine's keys out of timeout transitions."""
    for model in (SlaPolicy, Holiday):
        post_save.connect(forget_table, sender=model, dispatch_uid=f"sla-forget-{model.__name__}-save")
        post_delete.connect(forget_table, sender=model, dispatch_uid=f"sla-forget-{model.__name__}-delete")
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
        if not claim(dispute, due, kind, lead):
            continue
        if kind == K.BREACH:
            if _breach(dispute, rule, now):
                return  # fire() moved the dispute on and set its new deadline
        else:
            _remind(dispute, rule, kind, lead, now)
    later = [due - lead for _kind, lead in rule.steps() if due - lead > now]
    Dispute.objects.filter(pk=dispute.pk).update(sla_next_at=min(later, default=None))


def claim(dispute: Dispute, due: datetime, kind: str, lead: timedelta) -> bool:
    """Take the step (kind, lead) of this deadline; False if it was already taken."""
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
        services.record_event(dispute, "respondent_reminder", None, payload=payload)
    elif kind == K.HOME_VISIT:
        payload = {"due_at": due, "rule": rule.name}
        grid_workers = roles.staff_over(dispute.grid, StaffRole.Role.GRID_WORKER)
        services.record_event(dispute, "home_visit_task", None, payload=payload, notify=grid_workers)
        Dispute.objects.filter(pk=dispute.pk).update(home_visit_due_at=now)
    else:
        payload = {"rule": rule.name, "due_at": due, "before": _words(lead)}
        services.record_event(dispute, "sla_reminder", None, payload=payload, notify=responsible(dispute))


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
            services.record_event(
                dispute, "sla_breach", None, reason=reason, payload=payload, notify=responsible(dispute)
            )
            return False
        try:
            services.fire(dispute.pk, action, by=None, payload={"reason": reason, **payload})
            return True
        except ServiceError:
            continue  # a condition failed (e.g. no mediator): tell the staff instead
    return False
