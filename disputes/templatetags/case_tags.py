"""Requests for information on the dispute page: the party asked answers here."""

from django import template

from disputes.casework import access, info_requests
from disputes.casework.forms import AnswerForm
from disputes.models import Dispute

register = template.Library()


@register.inclusion_tag("disputes/case/_requests_panel.html", takes_context=True)
def info_requests_panel(context, dispute: Dispute) -> dict:
    user = context["request"].user
    requests = list(info_requests.requests_visible_to(dispute, user))
    answerable = {r.pk for r in requests if info_requests.may_answer(dispute, r, user)}
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
    return {"dispute": dispute, "show": access.may_open_case_page(dispute, context["request"].user)}
