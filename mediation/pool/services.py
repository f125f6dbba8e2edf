"""Mediator assignment and availability (docs/features/assignment.md).

Assignment runs inside the `assign_mediator` transition (registered as its resolver by
mediation.pool.hooks), so the ranking, the Assignment row and the state change commit or
roll back together. Recusal is in mediation.pool.recusal.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes import services as dispute_services
from disputes.models import Dispute

from ..models import Assignment, AssignmentFlag, MediatorProfile
from . import ranking
from .reasons import describe

log = logging.getLogger(__name__)


def resolve_assignment(dispute: Dispute, by: User | None, payload: dict) -> dict:
    """Choose the mediator for `assign_mediator` and record the assignment with its ranking.

    payload["mediator"] is "auto" (the top-ranked eligible mediator) or a user id, which
    must be eligible. The system (by=None) assigns only from awaiting_mediator, so it never
    overrides a grid worker's choice. Caller holds the dispute's row lock.
    """
    requested = payload["mediator"]
    if by is None and dispute.state != Dispute.State.AWAITING_MEDIATOR:
        raise ServiceError(_("A mediator is already assigned."), code="conflict", status=409)
    result = ranking.rank(dispute)
    chosen = choose(result, requested)
    mediator = record_assignment(dispute, by, result, chosen, auto=requested == "auto")
    return {"mediator": mediator}


def choose(result: ranking.Ranking, requested) -> ranking.Candidate:
    """The candidate `requested` names ("auto": the best-ranked), who must be eligible; else
    the ServiceError that refuses it. Decides only: nothing is written."""
    if requested == "auto":
        if result.best is None:
            raise ServiceError(
                _("No mediator is eligible for this dispute."), code="no_eligible_mediator", status=409
            )
        return result.best
    chosen = next((c for c in result.eligible if c.user_id == requested), None)
    if chosen is None:
        refused = next((c for c in result.ineligible if c.user_id == requested), None)
        message = (
            _("This mediator is not eligible: %(why)s.") % {"why": describe(refused.refusals)}
            if refused
            else _("Choose a mediator who serves this dispute's area.")
        )
        raise ServiceError(message, code="invalid", field="mediator")
    return chosen


def mediator_choices(dispute: Dispute) -> list[tuple[int, str]]:
    """The mediators the dispute page offers for `assign_mediator` (hooks.CHOICES["mediator"]):
    exactly those choose() accepts, the eligible ones, best-ranked first."""
    return [(c.user_id, c.name) for c in ranking.rank(dispute).eligible]


def record_assignment(
    dispute: Dispute, by: User | None, result: ranking.Ranking, chosen: ranking.Candidate, *, auto: bool
) -> User:
    """End the current assignment (overridden) and record the chosen one with its ranking."""
    now = timezone.now()
    Assignment.objects.filter(dispute=dispute, ended_at=None).update(
        ended_at=now, end_reason=Assignment.End.OVERRIDDEN
    )
    mediator = User.objects.get(pk=chosen.user_id)
    Assignment.objects.create(
        dispute=dispute,
        mediator=mediator,
        method=Assignment.Method.AUTO if auto else Assignment.Method.MANUAL,
        assigned_by=by,
        rank=result.rank_of(chosen.user_id),
        candidates=len(result.eligible),
        ranking=result.snapshot(),
        reasons=chosen.reasons,
        assigned_at=now,
    )
    MediatorProfile.objects.filter(user=mediator).update(last_assigned_at=now)
    AssignmentFlag.objects.filter(dispute=dispute).delete()
    return mediator


def end_assignment(dispute: Dispute, reason: str) -> None:
    Assignment.objects.filter(dispute=dispute, ended_at=None).update(
        ended_at=timezone.now(), end_reason=reason
    )


def accept_assignment(dispute: Dispute) -> None:
    Assignment.objects.filter(dispute=dispute, ended_at=None).update(accepted_at=timezone.now())


def schedule_auto_assignment(dispute: Dispute) -> None:
    """After commit, ask the worker to assign a mediator (when the setting is on)."""
    if settings.TIAOJIE_AUTO_ASSIGN:
        from .tasks import auto_assign

        transaction.on_commit(lambda pk=dispute.pk: auto_assign.delay(dispute_id=pk))


def auto_assign(dispute_id: int) -> Assignment | None:
    """Assign the top-ranked mediator as the system; flag the dispute if nobody is eligible.

    Safe to run twice or late: it acts only while the dispute awaits a mediator.
    """
    try:
        dispute_services.fire(dispute_id, "assign_mediator", by=None, payload={"mediator": "auto"})
    except ServiceError as exc:
        if exc.code == "no_eligible_mediator":
            flag_unassignable(dispute_id)
        elif exc.code != "conflict":
            raise
        return None
    return Assignment.objects.filter(dispute_id=dispute_id, ended_at=None).first()


def flag_unassignable(dispute_id: int) -> None:
    dispute = Dispute.objects.select_related("grid", "category").get(pk=dispute_id)
    result = ranking.rank(dispute)
    counts: dict[str, int] = {}
    for candidate in result.ineligible:
        for code, _params in candidate.refusals:
            counts[code] = counts.get(code, 0) + 1
    reason = "no_mediators_in_area" if not result.ineligible else "all_ineligible"
    AssignmentFlag.objects.update_or_create(
        dispute=dispute, defaults={"reason": reason, "details": counts, "at": timezone.now()}
    )


# --- availability ---------------------------------------------------------------------------
def set_availability(profile: MediatorProfile, *, on_leave_from: date | None, on_leave_until: date | None):
    if on_leave_from and on_leave_until and on_leave_until < on_leave_from:
        raise ServiceError(_("The leave must end after it starts."), code="invalid", field="on_leave_until")
    profile.on_leave_from, profile.on_leave_until = on_leave_from, on_leave_until
    profile.save(update_fields=["on_leave_from", "on_leave_until"])
    return profile
