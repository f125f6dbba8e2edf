"""How the respondent's personal data came to the platform (docs/personal-data-rights.md).

The respondent did not sign up to be named in a dispute: the claimant (or a grid worker for
the claimant) gave their name and phone, maybe their email and address. The dispute page
tells the respondent so, every time they open it (open while the dispute awaits their answer,
folded after): who gave what, when, why, on which legal basis, and what they may do.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import mask_name

from .models import Dispute


def respondent_notice(dispute: Dispute, user) -> dict | None:
    """What the notice box shows `user` if they are the dispute's respondent, else None."""
    if not dispute.is_respondent(user):
        return None
    given = [(_("name"), dispute.respondent_name), (_("mobile phone"), dispute.respondent_phone)]
    if dispute.respondent_email:
        given.append((_("email"), dispute.respondent_email))
    if dispute.respondent_address:
        given.append((_("address"), dispute.respondent_address))
    filer = dispute.filed_by
    return {
        "claimant": mask_name(dispute.claimant_name),
        # A grid worker may file for a resident without a smartphone (disputes.forms).
        "by_staff": filer.phone != dispute.claimant_phone,
        "filed_on": timezone.localtime(dispute.created_at).date(),
        "given": given,
        "open": dispute.state == Dispute.State.AWAITING_RESPONSE,
    }
