"""The Sessions panel on the dispute page (the "dispute" slot of disputes.panels): the sessions
the user may see, and the schedule form for the mediator while the dispute is in mediation."""

from __future__ import annotations

from disputes.models import Dispute

from ..chat import rooms
from ..models import Session
from . import services, views

TEMPLATE = "mediation/sessions/_panel.html"


def panel_context(request, dispute: Dispute) -> dict | None:
    user = request.user
    sessions = list(services.visible_sessions(dispute, user).select_related("room"))
    manage = services.may_manage(dispute, user)
    if not sessions and not manage:
        return None
    for session in sessions:
        session.room_label = views.room_label(session.room)
        session.summary = services.summary(session)
    context = {"sessions": sessions, "manage": manage}
    if manage:
        dispute_rooms = rooms.rooms_for(dispute, user)
        joint = next((r for r in dispute_rooms if r.kind == "joint"), None)
        members = rooms.members(joint) if joint else {}
        context.update(
            rooms=[(room.pk, views.room_label(room)) for room in dispute_rooms],
            members=[{"id": pk, **info} for pk, info in members.items() if info["role"] != "mediator"],
            modes=Session.Mode.choices,
        )
    return context
