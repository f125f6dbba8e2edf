"""Display helpers for dispute pages: labels, deadline badges, masked contact details."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import mask_phone
from disputes.labels import ACTION_LABELS
from disputes.models import Dispute

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


def entitled_to_contact(dispute: Dispute, user, party: str) -> bool:
    """Full contact details: the party themselves, the mediator, staff over the grid.

    The same rule as DisputeListSerializer._entitled_to_contact in disputes/serializers.py.
    """
    if (
        user.is_superuser
        or dispute.is_mediator(user)
        or dispute.is_grid_worker(user)
        or dispute.is_case_handler(user)
    ):
        return True
    return dispute.is_claimant(user) if party == "claimant" else dispute.is_respondent(user)


@register.simple_tag(takes_context=True)
def party_phone(context, dispute: Dispute, party: str) -> str:
    phone = getattr(dispute, f"{party}_phone")
    return phone if entitled_to_contact(dispute, context["request"].user, party) else mask_phone(phone)


@register.simple_tag(takes_context=True)
def respondent_email(context, dispute: Dispute) -> str:
    email = dispute.respondent_email
    if not email or entitled_to_contact(dispute, context["request"].user, "respondent"):
        return email
    return "***@" + email.split("@")[-1]


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """The current URL with one page parameter changed, other filters kept."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
