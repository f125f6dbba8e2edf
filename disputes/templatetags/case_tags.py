"""Requests for information on the dispute page: the party asked answers here."""

from django import template

from disputes import casework
from disputes.case_views import AnswerForm
from disputes.models import Dispute

register = template.Library()


@register.inclusion_tag("disputes/case/_requests_panel.html", takes_context=True)
def info_requests_panel(context, dispute: Dispute) -> dict:
    user = context["request"].user
    requests = list(casework.requests_visible_to(dispute, user))
    open_ = dispute.state == Dispute.State.CASE_HANDLING
    answerable = {
        r.pk
        for r in requests
        if open_
        and not r.is_answered
        and (dispute.is_claimant if r.party == "claimant" else dispute.is_respondent)(user)
    }
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "requests": requests,
        "answerable": answerable,
        "answer_form": AnswerForm(auto_id="id_answer_%s") if answerable else None,
    }


@register.inclusion_tag("disputes/case/_case_link.html", takes_context=True)
def case_page_link(context, dispute: Dispute) -> dict:
    """For case handlers over the dispute: a link to its page in the workspace."""
    return {"dispute": dispute, "show": casework.may_open_case_page(dispute, context["request"].user)}
