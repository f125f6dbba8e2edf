"""What a viewer may see of a party's contact details: the one home of this rule.

The party themselves, the mediator, staff over the grid (grid workers, case handlers at the
dispute's level or above) and superusers see a party's phone, email and address in full;
anyone else who can see the dispute gets the phone and email masked and no address. Names
are never masked here. A signed document (the agreement, the application for judicial
confirmation) goes to whoever holds the file, so it shows the masked view, with the masked
ID number of the party's account (`document_contact`). Used by the serializers, the template
tags, the case file and the settlement PDFs.
"""

from __future__ import annotations

from accounts.models import User
from accounts.phones import mask_id_number, mask_phone

from .models import Dispute, Party


def entitled_to_contact(dispute: Dispute, viewer, party: str) -> bool:
    """Full contact details: the party themselves, the mediator, staff over the grid.

    `viewer` None is a document anyone may hold: never entitled.
    """
    if viewer is None:
        return False
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


def document_contact(dispute: Dispute, party: str, account: User | None) -> dict:
    """{"name", "phone", "id_number"} of a party as a signed document shows them: masked, with
    the ID number of their account (`account`: the user with the party's verified phone)."""
    seen = party_contact(dispute, None, party)
    id_number = account.id_number if account else ""
    return {
        "name": seen["name"],
        "id_number": mask_id_number(id_number) if id_number else "",
        "phone": seen["phone"],
    }
