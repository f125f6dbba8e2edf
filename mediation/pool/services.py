"""Mediator assignment, recusal and availability.

Assignment runs inside the `assign_mediator` transition (registered as its resolver in
MediationConfig.ready), so the ranking, the Assignment row and the state change commit
or roll back together.
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

from . import ranking
from .models import Assignment, AssignmentFlag, MediatorProfile, RecusalRequest

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
    if requested == "auto":
        chosen = result.best
        if chosen is None:
            raise ServiceError(
                _("No mediator is eligible for this dispute."), code="no_eligible_mediator", status=409
            )
    else:
        chosen = next((c for c in result.eligible if c.user_id == requested), None)
        if chosen is None:
            refused = next((c for c in result.ineligible if c.user_id == requested), None)
            from .reasons import describe

            message = (
                _("This mediator is not eligible: %(why)s.") % {"why": describe(refused.refusals)}
                if refused
                else _("Choose a mediator who serves this dispute's area.")
            )
            raise ServiceError(message, code="invalid", field="mediator")
    now = timezone.now()
    Assignment.objects.filter(dispute=dispute, ended_at=None).update(
        ended_at=now, end_reason=Assignment.End.OVERRIDDEN
    )
    mediator = User.objects.get(pk=chosen.user_id)
    Assignment.objects.create(
        dispute=dispute,
        mediator=mediator,
        method=Assignment.Method.AUTO if requested == "auto" else Assignment.Method.MANUAL,
        assigned_by=by,
        rank=result.rank_of(chosen.user_id),
        candidates=len(result.eligible),
        ranking=result.snapshot(),
        reasons=chosen.reasons,
        assigned_at=now,
    )
    MediatorProfile.objects.filter(user=mediator).update(last_assigned_at=now)
    AssignmentFlag.objects.filter(dispute=dispute).delete()
    return {"mediator": mediator}


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


# --- recusal (回避) ---------------------------------------------------------------------------
@transaction.atomic
def request_recusal(dispute: Dispute, *, by: User, reason: str) -> RecusalRequest:
    """A party asks that the current mediator step aside. Caller checked visibility."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not dispute.is_party(by):
        raise ServiceError(_("Only a party can ask for recusal."), code="permission_denied", status=403)
    if dispute.mediator_id is None or dispute.state not in (
        Dispute.State.MEDIATOR_ASSIGNED,
        Dispute.State.IN_MEDIATION,
    ):
        raise ServiceError(_("There is no mediator to recuse."), code="conflict", status=409)
    if RecusalRequest.objects.filter(dispute=dispute, requested_by=by, status="pending").exists():
        raise ServiceError(_("Your earlier request is still pending."), code="conflict", status=409)
    return RecusalRequest.objects.create(
        dispute=dispute, mediator_id=dispute.mediator_id, requested_by=by, reason=reason
    )


def decide_recusal(recusal_id: int, *, by: User, approve: bool, note: str = "") -> RecusalRequest:
    """A grid worker decides; approval fires replace_mediator with the party's reason."""
    with transaction.atomic():
        recusal = (
            RecusalRequest.objects.select_for_update().select_related("dispute__grid").get(pk=recusal_id)
        )
        if not recusal.dispute.is_grid_worker(by):
            raise ServiceError(
                _("Only the grid worker decides on recusal."), code="permission_denied", status=403
            )
        if recusal.status != RecusalRequest.Status.PENDING:
            raise ServiceError(_("This request has been decided already."), code="conflict", status=409)
        if approve and recusal.dispute.mediator_id == recusal.mediator_id:
            reason = _("Recusal approved: %(reason)s") % {"reason": recusal.reason}
            dispute_services.fire(recusal.dispute_id, "replace_mediator", by=by, payload={"reason": reason})
        recusal.status = RecusalRequest.Status.APPROVED if approve else RecusalRequest.Status.REFUSED
        recusal.decided_by, recusal.decided_at, recusal.decision_note = by, timezone.now(), note
        recusal.save()
    return recusal


# --- availability ---------------------------------------------------------------------------
def set_availability(profile: MediatorProfile, *, on_leave_from: date | None, on_leave_until: date | None):
    if on_leave_from and on_leave_until and on_leave_until < on_leave_from:
        raise ServiceError(_("The leave must end after it starts."), code="invalid", field="on_leave_until")
    profile.on_leave_from, profile.on_leave_until = on_leave_from, on_leave_until
    profile.save(update_fields=["on_leave_from", "on_leave_until"])
    return profile
