"""The pool's part in the dispute transitions and pages (called by MediationConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..models import Assignment
from . import panel, ranking, recusal, services

# After these transitions the current assignment ends, for this reason.
ENDS = {
    "mediator_decline": Assignment.End.DECLINED,
    "replace_mediator": Assignment.End.REPLACED,
    "fail_mediation": Assignment.End.ESCALATED,
    "escalate": Assignment.End.ESCALATED,
    "report_breach": Assignment.End.ESCALATED,
    "withdraw": Assignment.End.WITHDRAWN,
    "record_fulfilment": Assignment.End.FINISHED,
}
# After these the dispute awaits a mediator again: the worker may assign one.
AUTO_ASSIGN_AFTER = ("respondent_accept", "mediator_decline", "replace_mediator", "return_to_mediation")
# The timeline lines of a recusal request and its decision (mediation.pool.recusal).
RECUSAL_LABELS = {
    recusal.REQUESTED: _("Asked for the mediator's recusal"),
    recusal.APPROVED: _("Approved the recusal request"),
    recusal.REFUSED: _("Refused the recusal request"),
}


def recusal_request_targets(event) -> list[tuple[str, str | None]]:
    """A recusal request is for the grid workers of the dispute's grid to decide (the decision
    goes to the party who asked: recusal.decide_recusal passes them with its event)."""
    return [("grid_workers", None)]


def accept(dispute, event) -> None:
    services.accept_assignment(dispute)


def end(dispute, event) -> None:
    services.end_assignment(dispute, ENDS[event.transition])


def schedule(dispute, event) -> None:
    services.schedule_auto_assignment(dispute)


def register() -> None:
    """Assignment resolves assign_mediator; the assign form offers the mediators it accepts;
    assignments are accepted and ended with the transitions; ratings feed the ranking."""
    from disputes import hooks, labels, notices, panels

    hooks.RESOLVERS["assign_mediator"] = services.resolve_assignment
    hooks.CHOICES["mediator"] = services.mediator_choices
    hooks.after("mediator_accept")(accept)
    hooks.after(*ENDS)(end)
    hooks.after(*AUTO_ASSIGN_AFTER)(schedule)
    # Satisfaction ratings feed each mediator's average, which ranking uses.
    hooks.ON_EVENT.append(ranking.record_rating)
    panels.register("dispute", "mediation", panel.TEMPLATE, panel.context, order=10)
    # Recusal: timeline lines, the grid workers told, the request in their queue until decided.
    labels.register(RECUSAL_LABELS)
    notices.TARGETS[recusal.REQUESTED] = recusal_request_targets
    hooks.QUEUE["recusal"] = recusal.waiting_for
