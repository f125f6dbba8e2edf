"""The case handler's queues: escalated cases they may take, the cases they hold."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery

from disputes.models import Dispute, DisputeEvent
from disputes.selectors import escalated_waiting

S = Dispute.State
HISTORY = 4  # timeline lines shown per row of the queue


def escalated_for(user) -> QuerySet[Dispute]:
    """Escalated disputes this case handler may take: their region subtree, their level or below.

    The same rule as the queue's (disputes.selectors.escalated_waiting).
    """
    return _at_a_glance(Dispute.objects.filter(escalated_waiting(user)))


def held_by(user) -> QuerySet[Dispute]:
    """The cases this handler has taken and not yet concluded or returned."""
    return _at_a_glance(Dispute.objects.filter(case_handler=user, state=S.CASE_HANDLING))


def _at_a_glance(qs: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """Soonest deadline first, with why it was escalated and its last few timeline lines.

    A fixed number of queries whatever the page size: the rows with their joins and
    correlated subqueries (last escalation, counts), the paginator's count, and one query for
    the recent events of the whole page (a sliced prefetch: a window function per dispute).
    """
    escalations = DisputeEvent.objects.filter(dispute=OuterRef("pk"), to_state=S.ESCALATED).exclude(
        from_state=S.ESCALATED
    )
    last = escalations.order_by("-at", "-id")
    recent = DisputeEvent.objects.select_related("actor").order_by("-at", "-id")[:HISTORY]
    return (
        qs.select_related("category", "grid__parent", "case_handler")
        .annotate(
            escalation_reason=Subquery(last.values("reason")[:1]),
            escalation_transition=Subquery(last.values("transition")[:1]),
            escalated_at=Subquery(last.values("at")[:1]),
            escalation_count=Subquery(
                escalations.order_by().values("dispute").annotate(n=Count("pk")).values("n")[:1]
            ),
            event_count=Subquery(
                DisputeEvent.objects.filter(dispute=OuterRef("pk"))
                .order_by()
                .values("dispute")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .prefetch_related(Prefetch("events", queryset=recent, to_attr="recent_events"))
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )
