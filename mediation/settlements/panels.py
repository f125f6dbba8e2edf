"""The settlement and judicial-confirmation panels on the dispute page (registered in its
"dispute" slot, disputes.panels, by mediation.settlements.hooks)."""

from __future__ import annotations

from django.utils import timezone

from disputes.models import Dispute

from . import agreements, judicial

SETTLEMENT_TEMPLATE = "mediation/settlements/_settlement.html"
JUDICIAL_TEMPLATE = "mediation/settlements/_judicial.html"


def settlement_context(request, dispute: Dispute) -> dict | None:
    """The latest agreement, its signatures, and whether it is this user's turn to sign."""
    settlement = agreements.latest(dispute)
    if settlement is None:
        return None
    return {
        "settlement": settlement,
        "signatures": list(settlement.signatures.select_related("party")),
        "my_turn": agreements.may_sign_now(dispute, request.user),
    }


def judicial_context(request, dispute: Dispute) -> dict | None:
    """Judicial confirmation of the agreement in effect: status, and what this user may do now."""
    user = request.user
    settlement = judicial.sealed_settlement(dispute)
    if settlement is None:
        return None
    application = judicial.application_for(dispute)
    now = timezone.now()
    return {
        "settlement": settlement,
        "application": application,
        "signatures": list(application.signatures.all()) if application else [],
        "awaiting": judicial.awaiting_roles(application) if application else [],
        "window_closes_at": settlement.sealed_at + judicial.window(),
        "may_start": judicial.may_start(dispute, user, now),
        "may_sign": application is not None and judicial.may_sign(dispute, user, now),
        "may_record_outcome": application is not None
        and application.status == "ready"
        and judicial.may_record_outcome(dispute, user),
    }
