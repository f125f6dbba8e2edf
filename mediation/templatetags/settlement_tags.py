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
