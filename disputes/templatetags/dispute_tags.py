"""Display helpers for dispute pages: labels, deadline badges, masked contact details."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes import contacts
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


@register.inclusion_tag("disputes/_party_fields.html", takes_context=True)
def party_fields(context, dispute: Dispute, party: str) -> dict:
    """A party's phone, email, address and ID number as this viewer sees them: their own in
    full, everyone else's masked, with a "show" form for staff who may reveal
    (docs/personal-data-masking.md). `revealed` in the context is the one field a reveal
    just showed, in this response only."""
    from disputes.reveals import FIELD_LABELS, REASONS, TEXT_MAX

    request = context["request"]
    seen = party_contact(dispute, request.user, party)
    seen["id_number"] = contacts.id_number_seen(dispute, request.user, party)
    revealed = context.get("revealed") or {}
    can_reveal = not seen["full"] and contacts.may_reveal(dispute, request.user)
    rows = []
    for field in contacts.FIELDS:
        if not seen[field]:
            continue
        shown = (
            revealed.get("value")
            if (revealed.get("party"), revealed.get("field")) == (party, field)
            else None
        )
        rows.append(
            {
                "field": field,
                "label": FIELD_LABELS[field],
                "value": shown if shown is not None else seen[field],
                "revealed": shown is not None,
                "can_reveal": can_reveal and shown is None,
            }
        )
    return {
        "dispute": dispute,
        "party": party,
        "rows": rows,
        "reasons": REASONS.items(),
        "text_max": TEXT_MAX,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def query_pairs(query: str) -> list[tuple[str, str]]:
    """An urlencoded query as (name, value) pairs, for hidden inputs of a GET form."""
    from urllib.parse import parse_qsl

    return parse_qsl(query or "")


@register.simple_tag
def reveal_reasons():
    from disputes.reveals import REASONS

    return REASONS.items()


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
