"""Reads: lists and queues, with their joins done once."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import StaffRole

from . import rules
from .models import Dispute

LIST_RELATED = ("category", "grid", "mediator")


def dispute_list(user, *, state=None, grid=None, category=None, overdue=None, q=None) -> QuerySet[Dispute]:
    """The disputes visible to `user`, filtered; newest first."""
    qs = Dispute.objects.visible_to(user).select_related(*LIST_RELATED)
    if state:
        qs = qs.filter(state__in=state if isinstance(state, list | tuple) else [state])
    if grid:
        qs = qs.filter(grid_id=grid)
    if category:
        qs = qs.filter(category__slug=category)
    if overdue is not None:
        now = timezone.now()
        qs = qs.filter(due_at__lt=now) if overdue else qs.filter(Q(due_at__gte=now) | Q(due_at=None))
    if q:
        q = q.strip()
        qs = qs.filter(Q(reference__iexact=q) | Q(title__icontains=q) | Q(description__icontains=q))
    return qs


def queue_for(user) -> QuerySet[Dispute]:
    """What waits for this user's action, soonest deadline first.

    Grid workers: intake, mediator assignment, follow-up and home visits the respondent
    ladder asked for (disputes.sla) in their grids. Case handlers:
    escalated disputes at their level they may take, and the cases they hold. Mediators:
    assignments to accept and mediations in progress. Residents: disputes awaiting their answer.
    """
    S = Dispute.State
    waiting = Q(pk__in=[])
    intake_grids = rules.grids_under(user, StaffRole.Role.GRID_WORKER)
    if intake_grids:
        waiting |= Q(grid_id__in=intake_grids, state__in=[S.FILED, S.AWAITING_MEDIATOR, S.SETTLED])
        waiting |= Q(grid_id__in=intake_grids, state=S.AWAITING_RESPONSE, home_visit_due_at__isnull=False)
    for role, path, depth in rules.staff_roles(user):
        if role == StaffRole.Role.CASE_HANDLER:
            waiting |= Q(grid_id__in=rules.grids_under(user, path=path), state=S.ESCALATED, level__gte=depth)
    waiting |= Q(case_handler=user, state=S.CASE_HANDLING)
    waiting |= Q(mediator=user, state__in=[S.MEDIATOR_ASSIGNED, S.IN_MEDIATION])
    if user.phone_verified and user.phone:
        waiting |= Q(respondent_phone=user.phone, served_at__isnull=False, state=S.AWAITING_RESPONSE)
    return Dispute.objects.visible_to(user).filter(waiting).select_related(*LIST_RELATED)
