"""The people's mediation committee in whose name a dispute's documents are sealed."""

from __future__ import annotations

from django.utils.translation import gettext as _

from disputes.models import Dispute


def committee_name(dispute: Dispute) -> str:
    """The mediator's committee, or a generic name when the mediator has no profile."""
    profile = getattr(dispute.mediator, "mediator_profile", None) if dispute.mediator_id else None
    if profile is not None:
        return profile.committee.name
    return _("People's Mediation Committee")


def committee(dispute: Dispute):
    """The mediator's committee (whose seal ends the agreement), or None without a profile."""
    profile = getattr(dispute.mediator, "mediator_profile", None) if dispute.mediator_id else None
    return profile.committee if profile is not None else None
