"""The mediation panel on the dispute page: who was assigned and why, candidates, recusal.

Registered in the disputes page's "dispute" slot (disputes.panels) by mediation.pool.hooks.
"""

from __future__ import annotations

from disputes.models import Dispute

from ..chat import rooms
from ..models import Assignment
from . import ranking, recusal
from .reasons import describe

TEMPLATE = "mediation/pool/_panel.html"


def context(request, dispute: Dispute) -> dict:
    user = request.user
    staff = ranking.sees_ranking(dispute, user)
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
    return {
        "current": current,
        "current_why": describe(current.reasons) if current else "",
        "flag": getattr(dispute, "assignment_flag", None) if waiting else None,
        "staff": staff,
        "can_assign": can_assign,
        "candidates": candidates,
        "refused": refused,
        "recusals": list(dispute.recusals.select_related("mediator", "requested_by")),
        "can_request_recusal": recusal.may_request(dispute, user),
        "decides_recusal": recusal.may_decide(dispute, user),
        "chat_open": rooms.uses_chat(dispute, user) and dispute.rooms.exists(),
    }
