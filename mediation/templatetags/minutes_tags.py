"""{% minutes_panel session %}: the minutes of a session as the reader may see them
(mediation/minutes/panel.py), for the session page of the scheduling feature."""

from django import template

from mediation.minutes.panel import panel_context

register = template.Library()


@register.inclusion_tag("mediation/minutes/_panel.html", takes_context=True)
def minutes_panel(context, session):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or session is None:
        return {"visible": False}
    data = panel_context(session, user)
    data["request"] = request
    data["csrf_token"] = context.get("csrf_token")
    data["next"] = (
        f"/sessions/{session.pk}/" if request and request.path == f"/sessions/{session.pk}/" else ""
    )
    return data
