"""{% panels "slot" dispute %}: the panels other apps registered for a slot (disputes.panels)."""

from django import template
from django.utils.safestring import mark_safe

from disputes import panels as registry
from disputes.models import Dispute

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot: str, dispute: Dispute) -> str:
    """Each panel rendered as an inclusion tag would: its own context (plus request, dispute
    and the page's CSRF token), in order; a panel whose context is None is left out."""
    request = context["request"]
    rendered = []
    for panel in registry.panels_in(slot):
        values = panel.context(request, dispute)
        if values is None:
            continue
        new = context.new({"request": request, "dispute": dispute, **values})
        csrf_token = context.get("csrf_token")
        if csrf_token is not None:
            new["csrf_token"] = csrf_token
        rendered.append(context.template.engine.get_template(panel.template).render(new))
    return mark_safe("\n".join(rendered))
