"""Filters for mediation's own templates (the dispute page gets mediation's panels through the
disputes.panels registry, docs/architecture.md)."""

from django import template

from mediation.pool import reasons

register = template.Library()


@register.filter
def refusal_words(flag_details: dict) -> str:
    return reasons.describe_codes(flag_details)
