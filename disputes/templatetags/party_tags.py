"""The dispute page's list of parties with their agents and guardians, masked as the API
masks them (disputes.parties.serializers), and the grid worker's intake forms."""

from __future__ import annotations

from django import template

from accounts.phones import mask_phone
from disputes.models import Dispute, Side
from disputes.parties import rules
from disputes.parties.forms import AddPartyForm, RepresentativeForm
from disputes.parties.serializers import Reader, mask_uscc

register = template.Library()


@register.inclusion_tag("disputes/_party_roster.html", takes_context=True)
def party_roster(context, dispute: Dispute) -> dict:
    user = context["request"].user
    reader = Reader(dispute, user)
    parties = list(dispute.parties.prefetch_related("representatives"))
    manage = rules.may_manage(dispute, user)
    open_now = rules.is_open_for_intake(dispute)
    sides = []
    for side, label in Side.choices:
        rows = []
        for party in (p for p in parties if p.side == side):
            reps = [
                {
                    "rep": rep,
                    "phone": rep.phone
                    if reader.index and rep.phone_index == reader.index
                    else mask_phone(rep.phone),
                    "can_check": manage and open_now and rep.status == rep.Status.PENDING,
                    "can_revoke": not dispute.is_terminal
                    and rep.status in (rep.Status.PENDING, rep.Status.APPROVED)
                    and rules.may_revoke(rep, user),
                }
                for rep in party.representatives.all()
            ]
            rows.append(
                {
                    "party": party,
                    "phone": party.phone if reader.owns(party) else mask_phone(party.phone),
                    "uscc": party.uscc if reader.sees_uscc(party) else mask_uscc(party.uscc),
                    "reps": reps,
                }
            )
        sides.append({"side": side, "label": label, "rows": rows})
    may_intake = manage and open_now
    return {
        "dispute": dispute,
        "sides": sides,
        "may_intake": may_intake,
        "party_form": AddPartyForm(auto_id="party_%s") if may_intake else None,
        "rep_form": RepresentativeForm(parties=parties, auto_id="rep_%s") if may_intake else None,
        "csrf_token": context.get("csrf_token"),
    }
