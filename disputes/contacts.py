"""What a viewer may see of a party's contact details: the one home of this rule.

The party themselves, the mediator, staff over the grid (grid workers, case handlers at the
dispute's level or above) and superusers see a party's phone, email and address in full;
anyone else who can see the dispute gets the phone and email masked and no address. Names
are never masked here. ID numbers are not kept on disputes (the settlement PDFs mask the
signers' own, mediation/pdf.py). Used by the serializers, the template tags and the case file.
"""

from __future__ import annotations

from accounts.phones import mask_phone

from .models import Dispute, Party


def entitled_to_contact(dispute: Dispute, viewer, party: str) -> bool:
    """Full contact details: the party themselves, the mediator, staff over the grid."""
    if (
        viewer.is_superuser
        or dispute.is_mediator(viewer)
        or dispute.is_grid_worker(viewer)
        or dispute.is_case_handler(viewer)
    ):
        return True
    return dispute.is_claimant(viewer) if party == Party.CLAIMANT else dispute.is_respondent(viewer)


def mask_email(email: str) -> str:
    """a.b@example.com → ***@example.com; an empty address stays empty."""
    return "***@" + email.split("@")[-1] if email else ""


def party_contact(dispute: Dispute, viewer, party: str) -> dict:
    """{"name", "phone", "email", "address", "full"} of one party ("claimant" or "respondent")
    as `viewer` may see them: full when entitled, else phone and email masked, address "".

    Only the respondent has an email on a dispute (the claimant's is "").
    """
    full = entitled_to_contact(dispute, viewer, party)
    phone = getattr(dispute, f"{party}_phone")
    email = dispute.respondent_email if party == Party.RESPONDENT else ""
    return {
        "name": getattr(dispute, f"{party}_name"),
        "phone": phone if full else mask_phone(phone),
        "email": email if full else mask_email(email),
        "address": getattr(dispute, f"{party}_address") if full else "",
        "full": full,
    }
