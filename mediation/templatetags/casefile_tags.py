"""The case page's record from mediation: the joint-room transcript and every settlement version."""

from django import template
from django.utils.translation import get_language

from disputes.models import Dispute
from mediation import dossier

register = template.Library()


@register.inclusion_tag("disputes/case/_record.html")
def case_record(dispute: Dispute) -> dict:
    """The same record as the case file PDF (mediation.dossier); caucus rooms are never read."""
    return {
        "transcript": dossier.joint_transcript(dispute),
        "settlements": dossier.settlement_history(dispute, get_language()),
    }
