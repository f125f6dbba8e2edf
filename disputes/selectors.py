"""Reads: lists and queues, with their joins done once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts import roles
from accounts.models import Region, StaffRole
from core.crypto import blind_index

from .hooks import QUEUE
from .models import Dispute
from .sla.home_visit import home_visit_due_q

LIST_RELATED = ("category", "grid", "mediator")
# Disputes without a deadline sort after every real one in queues.
NO_DEADLINE = parse_datetime("9999-12-31T00:00:00+00:00")


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def filed_between(qs: QuerySet[Dispute], start: date | None, end: date | None) -> QuerySet[Dispute]:
    """Disputes filed from day `start` to day `end`, both included, in the site's time zone."""
    if start:
        qs = qs.filter(created_at__gte=day_start(start))
    if end:
        qs = qs.filter(created_at__lt=day_start(end + timedelta(days=1)))
    return qs


def in_regions(qs: QuerySet[Dispute], regions) -> QuerySet[Dispute]:
    """Disputes in the grids under any of these region nodes (ids)."""
    return qs.filter(
        grid_id__in=roles.grids_in(Region.objects.filter(pk__in=regions).values_list("path", flat=True))
    )


def dispute_list(user) -> QuerySet[Dispute]:
    """The disputes visible to `user`, with the list's joins; newest first (the model's ordering).

    Filtered by disputes.filters.DisputeFilter.
    """
    return Dispute.objects.visible_to(user).select_related(*LIST_RELATED).with_parties()


def escalated_waiting(user) -> Q:
    """Escalated disputes a case handler may take: under their regions, at their level or below.

    The same rule as Dispute.is_case_handler (a handler at the dispute's level or above).
    """
    waiting = Q(pk__in=[])
    for role, path, depth in roles.staff_roles(user):
        if role == StaffRole.Role.CASE_HANDLER:
            waiting |= Q(
                grid_id__in=roles.grids_of(user, path=path), state=Dispute.State.ESCALATED, level__gte=depth
            )
    return waiting


def queue_for(user) -> QuerySet[Dispute]:
    """What waits for this user's action, soonest deadline first.

    Grid workers: intake, mediator assignment, follow-up and home visits the respondent
    ladder asked for (disputes.sla.engine) in their grids. Case handlers:
    escalated disputes at their level they may take, and the cases they hold. Mediators:
    assignments to accept and mediations in progress. Residents: disputes awaiting their answer.
    Other apps add theirs through hooks.QUEUE (a pending recusal request for the grid workers);
    each row says which of those it waits for as `waits_<name>`.
    """
    S = Dispute.State
    waiting = Q(pk__in=[])
    intake_grids = roles.grids_of(user, StaffRole.Role.GRID_WORKER)
    if intake_grids:
        waiting |= Q(grid_id__in=intake_grids, state__in=[S.FILED, S.AWAITING_MEDIATOR, S.SETTLED])
        waiting |= Q(grid_id__in=intake_grids) & home_visit_due_q()
    waiting |= escalated_waiting(user)
    waiting |= Q(case_handler=user, state=S.CASE_HANDLING)
    waiting |= Q(mediator=user, state__in=[S.MEDIATOR_ASSIGNED, S.IN_MEDIATION])
    if user.phone_verified and user.phone:
        waiting |= Q(
            respondent_phone_index=blind_index(user.phone), served_at__isnull=False, state=S.AWAITING_RESPONSE
        )
    extra = {name: condition(user) for name, condition in QUEUE.items()}
    for condition in extra.values():
        waiting |= condition
    marks = {f"waits_{name}": ExpressionWrapper(q, output_field=BooleanField()) for name, q in extra.items()}
    return (
        Dispute.objects.visible_to(user)
        .filter(waiting)
        .annotate(**marks)
        .select_related(*LIST_RELATED)
        .with_parties()
    )


def waits_for(dispute: Dispute) -> list[str]:
    """The hooks.QUEUE reasons a queue row (from queue_for) waits for, e.g. ["recusal"]."""
    return [name for name in QUEUE if getattr(dispute, f"waits_{name}", False)]


def queue_by_deadline(user) -> QuerySet[Dispute]:
    """The queue with `due_sort`: the deadline, or NO_DEADLINE for none (sorted last)."""
    return queue_for(user).annotate(
        due_sort=Coalesce("due_at", Value(NO_DEADLINE, output_field=DateTimeField()))
    )
