"""The settlement panel on the dispute page: the agreement, its signatures, PDF and code."""

from django import template

from disputes.models import Dispute
from mediation import settlements

register = template.Library()


@register.inclusion_tag("mediation/_settlement.html", takes_context=True)
def settlement_panel(context, dispute: Dispute):
    user = context["request"].user
    settlement = settlements.latest(dispute)
    my_turn = settlement is not None and settlements.may_sign_now(dispute, user)
    return {
        "request": context["request"],
        "dispute": dispute,
        "settlement": settlement,
        "signatures": list(settlement.signatures.all()) if settlement else [],
        "my_turn": my_turn,
    }


@register.inclusion_tag("mediation/_judicial.html", takes_context=True)
def judicial_panel(context, dispute: Dispute):
    """Judicial confirmation: status, and the buttons this user may use now."""
    from django.utils import timezone

    from mediation import judicial

    user = context["request"].user
    settlement = judicial.sealed_settlement(dispute)
    application = judicial.application_for(dispute) if settlement else None
    now = timezone.now()
    return {
        "request": context["request"],
        "dispute": dispute,
        "settlement": settlement,
        "application": application,
        "signatures": list(application.signatures.all()) if application else [],
        "awaiting": judicial.awaiting_roles(application) if application else [],
        "window_closes_at": settlement.sealed_at + judicial.window() if settlement else None,
        "may_start": settlement is not None and judicial.may_start(dispute, user, now),
        "may_sign": application is not None and judicial.may_sign(dispute, user, now),
        "may_record_outcome": application is not None
        and application.status == "ready"
        and judicial.may_record_outcome(dispute, user),
    }
