"""The respondent ladder's home visit (docs/features/sla.md): when one is due, who records it.

The ladder (disputes.sla.engine) marks `Dispute.home_visit_due_at` when it asks the grid
workers for a visit; a visit recorded here clears it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes.models import Dispute, DisputeEvent, SlaNotice
from disputes.services import record_event

from .engine import claim
from .policies import rule_for

S = Dispute.State


def home_visit_due(dispute: Dispute) -> bool:
    """The ladder asked for a home visit and the respondent's answer is still awaited."""
    return dispute.state == S.AWAITING_RESPONSE and dispute.home_visit_due_at is not None


def home_visit_due_q() -> Q:
    """home_visit_due as a query condition (the grid workers' queue)."""
    return Q(state=S.AWAITING_RESPONSE, home_visit_due_at__isnull=False)


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
        event = record_event(dispute, "home_visit", by, reason=note)
        rule = rule_for(dispute.state)
        if rule and rule.home_visit and dispute.due_at:
            claim(dispute, dispute.due_at, SlaNotice.Kind.HOME_VISIT, rule.home_visit)
        Dispute.objects.filter(pk=dispute.pk).update(home_visit_due_at=None)
    return event
