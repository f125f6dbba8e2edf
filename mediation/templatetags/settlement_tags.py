"""Thin template-tag shims over mediation.settlements.panels (the dispute page gets these
panels through the disputes.panels registry)."""

from django import template

from disputes.models import Dispute
from mediation.settlements import panels

register = template.Library()


@register.inclusion_tag(panels.SETTLEMENT_TEMPLATE, takes_context=True)
def settlement_panel(context, dispute: Dispute) -> dict:
    request = context["request"]
    return {"request": request, "dispute": dispute, **(panels.settlement_context(request, dispute) or {})}


@register.inclusion_tag(panels.JUDICIAL_TEMPLATE, takes_context=True)
def judicial_panel(context, dispute: Dispute) -> dict:
    request = context["request"]
    return {"request": request, "dispute": dispute, **(panels.judicial_context(request, dispute) or {})}
