"""Thin template-tag shims over mediation.pool (the dispute page gets the panel through the
disputes.panels registry; these serve mediation's own templates)."""

from django import template

from disputes.models import Dispute
from mediation.pool import panel, reasons

register = template.Library()


@register.inclusion_tag(panel.TEMPLATE, takes_context=True)
def mediation_panel(context, dispute: Dispute) -> dict:
    request = context["request"]
    return {"request": request, "dispute": dispute, **panel.context(request, dispute)}


@register.filter
def refusal_words(flag_details: dict) -> str:
    return reasons.describe_codes(flag_details)
