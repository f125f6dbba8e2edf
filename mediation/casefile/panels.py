"""The case page's record from mediation: the joint-room transcript and every settlement version
(registered in the case page's "case_record" slot, disputes.panels)."""

from __future__ import annotations

from django.utils.translation import get_language

from disputes.models import Dispute

from . import dossier

TEMPLATE = "disputes/case/_record.html"


def record_context(request, dispute: Dispute) -> dict:
    """The same record as the case file PDF (dossier); caucus rooms are never read."""
    return {
        "transcript": dossier.joint_transcript(dispute),
        "settlements": dossier.settlement_history(dispute, get_language()),
    }
