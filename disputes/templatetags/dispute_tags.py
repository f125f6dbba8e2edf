"""Display helpers for dispute pages: labels, deadline badges, masked contact details."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.contacts import party_contact
from disputes.labels import ACTION_LABELS
from disputes.models import Dispute
from disputes.sla import home_visit

register = template.Library()

DUE_SOON = timedelta(hours=48)

ROLE_LABELS = {
    "claimant": _("Claimant"),
    "respondent": _("Respondent"),
    "mediator": _("Mediator"),
    "grid_worker": _("Grid worker"),
    "case_handler": _("Case handler"),
    "admin": _("Administrator"),
    "staff": _("Staff"),
    "system": _("System"),
}


@register.filter
def action_label(name: str) -> str:
    return ACTION_LABELS.get(name, name)


@register.filter
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


@register.filter
def state_label(value: str) -> str:
    return Dispute.State(value).label if value in Dispute.State.values else value


@register.filter
def outcome_label(value: str) -> str:
    return Dispute.Outcome(value).label if value in Dispute.Outcome.values else value


@register.inclusion_tag("disputes/_deadline.html")
def deadline_badge(dispute: Dispute) -> dict:
    """Overdue, due soon (within 48 hours) or the due date; nothing once nobody is waited on."""
    due = dispute.due_at
    if due is None or dispute.is_terminal:
        return {"kind": None}
    now = timezone.now()
    kind = "overdue" if due < now else "soon" if due < now + DUE_SOON else "later"
    return {"kind": kind, "due": due}


@register.simple_tag(takes_context=True)
def party_phone(context, dispute: Dispute, party: str) -> str:
    return party_contact(dispute, context["request"].user, party)["phone"]


@register.simple_tag(takes_context=True)
def respondent_email(context, dispute: Dispute) -> str:
    return party_contact(dispute, context["request"].user, "respondent")["email"]


@register.filter
def home_visit_due(dispute: Dispute) -> bool:
    """The respondent ladder asked for a home visit that is still to be made (disputes.sla.home_visit)."""
    return home_visit.home_visit_due(dispute)


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """The current URL with one page parameter changed, other filters kept."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
