"""The mediation panel on the dispute page: who was assigned and why, candidates, recusal."""

from django import template

from disputes.models import Dispute
from mediation import ranking
from mediation.models import Assignment, RecusalRequest
from mediation.reasons import describe

register = template.Library()

RECUSABLE = (Dispute.State.MEDIATOR_ASSIGNED, Dispute.State.IN_MEDIATION)


@register.inclusion_tag("mediation/_panel.html", takes_context=True)
def mediation_panel(context, dispute: Dispute):
    user = context["request"].user
    staff = user.is_superuser or dispute.is_grid_worker(user) or dispute.is_case_handler(user)
    current = (
        Assignment.objects.filter(dispute=dispute, ended_at=None)
        .select_related("mediator", "assigned_by")
        .first()
    )
    waiting = dispute.state == Dispute.State.AWAITING_MEDIATOR
    can_assign = any(t.name == "assign_mediator" for t in dispute.get_available_user_state_transitions(user))
    candidates, refused = [], []
    if staff and (waiting or dispute.state == Dispute.State.MEDIATOR_ASSIGNED):
        result = ranking.rank(dispute)
        candidates = [(rank, c, describe(c.reasons)) for rank, c in enumerate(result.eligible[:10], start=1)]
        refused = [(c, describe(c.refusals)) for c in result.ineligible[:20]]
    recusals = list(dispute.recusals.select_related("mediator", "requested_by"))
    return {
        "request": context["request"],
        "dispute": dispute,
        "current": current,
        "current_why": describe(current.reasons) if current else "",
        "flag": getattr(dispute, "assignment_flag", None) if waiting else None,
        "staff": staff,
        "can_assign": can_assign,
        "candidates": candidates,
        "refused": refused,
        "recusals": recusals,
        "can_request_recusal": dispute.is_party(user)
        and dispute.state in RECUSABLE
        and not any(
            r.requested_by_id == user.pk and r.status == RecusalRequest.Status.PENDING for r in recusals
        ),
        "decides_recusal": dispute.is_grid_worker(user),
        "chat_open": (dispute.is_party(user) or dispute.is_mediator(user)) and dispute.rooms.exists(),
    }


@register.filter
def refusal_words(flag_details: dict) -> str:
    return describe([[code, {}] for code in flag_details]) if flag_details else ""
