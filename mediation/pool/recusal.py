"""Recusal (回避): a party asks that the current mediator step aside; the grid worker decides
(docs/features/assignment.md).

The rules live here once: check_request / may_request say whether a user may ask now (the
service refuses with them, the dispute page offers the form with them), may_decide who decides.
A request and its decision are lines on the dispute's timeline (recusal_requested, then
recusal_approved or recusal_refused); the request tells the grid workers of the dispute's grid
and stays in their queue (waiting_for) until it is decided; the decision tells the party who asked.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import StaffRole, User
from core.errors import ServiceError
from disputes import services as dispute_services
from disputes.models import Dispute
from disputes.services import record_event

from ..models import RecusalRequest

# Timeline events (labels in mediation.pool.hooks, notices in notifications.texts).
REQUESTED, APPROVED, REFUSED = "recusal_requested", "recusal_approved", "recusal_refused"

# States in which the dispute has a mediator who can be asked to step aside.
RECUSABLE = (Dispute.State.MEDIATOR_ASSIGNED, Dispute.State.IN_MEDIATION)


def check_request(dispute: Dispute, user: User) -> None:
    """Refuse (ServiceError 403, 409) unless `user` may ask for the mediator's recusal now:
    a party, while a mediator is assigned or mediating, with no request of theirs pending."""
    if not dispute.is_party(user):
        raise ServiceError(_("Only a party can ask for recusal."), code="permission_denied", status=403)
    if dispute.mediator_id is None or dispute.state not in RECUSABLE:
        raise ServiceError(_("There is no mediator to recuse."), code="conflict", status=409)
    if RecusalRequest.objects.filter(
        dispute=dispute, requested_by=user, status=RecusalRequest.Status.PENDING
    ).exists():
        raise ServiceError(_("Your earlier request is still pending."), code="conflict", status=409)


def may_request(dispute: Dispute, user: User) -> bool:
    """Whether `user` may ask for the mediator's recusal now (check_request's rule)."""
    try:
        check_request(dispute, user)
    except ServiceError:
        return False
    return True


def may_decide(dispute: Dispute, user: User) -> bool:
    """The grid worker of the dispute's grid decides on recusal."""
    return dispute.is_grid_worker(user)


@transaction.atomic
def request_recusal(dispute: Dispute, *, by: User, reason: str) -> RecusalRequest:
    """A party asks that the current mediator step aside. Caller checked visibility."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    check_request(dispute, by)
    made = RecusalRequest.objects.create(
        dispute=dispute, mediator_id=dispute.mediator_id, requested_by=by, reason=reason
    )
    # The grid workers of the dispute's grid are told (disputes.notices, via mediation.pool.hooks).
    record_event(dispute, REQUESTED, by, reason=reason, payload={"recusal": made.pk})
    return made


def waiting_for(user) -> Q:
    """Disputes with a pending recusal request that `user` decides (a grid worker of the grid):
    the queue's hooks.QUEUE["recusal"]."""
    grids = roles.grids_of(user, StaffRole.Role.GRID_WORKER)
    if not grids:
        return Q(pk__in=[])
    pending = RecusalRequest.objects.filter(status=RecusalRequest.Status.PENDING, dispute__grid_id__in=grids)
    return Q(pk__in=pending.values("dispute_id"))


def decide_recusal(recusal_id: int, *, by: User, approve: bool, note: str = "") -> RecusalRequest:
    """A grid worker decides; approval fires replace_mediator with the party's reason."""
    with transaction.atomic():
        recusal = (
            RecusalRequest.objects.select_for_update().select_related("dispute__grid").get(pk=recusal_id)
        )
        if not may_decide(recusal.dispute, by):
            raise ServiceError(
                _("Only the grid worker decides on recusal."), code="permission_denied", status=403
            )
        if recusal.status != RecusalRequest.Status.PENDING:
            raise ServiceError(_("This request has been decided already."), code="conflict", status=409)
        # The decision is on the timeline before the replacement it causes; the party who asked is told.
        record_event(
            recusal.dispute, APPROVED if approve else REFUSED, by,
            reason=note, payload={"recusal": recusal.pk}, notify=[recusal.requested_by],
        )  # fmt: skip
        if approve and recusal.dispute.mediator_id == recusal.mediator_id:
            reason = _("Recusal approved: %(reason)s") % {"reason": recusal.reason}
            dispute_services.fire(recusal.dispute_id, "replace_mediator", by=by, payload={"reason": reason})
        recusal.status = RecusalRequest.Status.APPROVED if approve else RecusalRequest.Status.REFUSED
        recusal.decided_by, recusal.decided_at, recusal.decision_note = by, timezone.now(), note
        recusal.save()
    return recusal
