"""A thin template-tag shim over mediation.casefile.panels (the case page gets the record
through the disputes.panels registry)."""

from django import template

from disputes.models import Dispute
from mediation.casefile import panels

register = template.Library()


@register.inclusion_tag(panels.TEMPLATE, takes_context=True)
def case_record(context, dispute: Dispute) -> dict:
    return panels.record_context(context["request"], dispute)
