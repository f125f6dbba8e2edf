"""What a viewer may see of a party's personal data: the one home of this rule
(docs/personal-data-masking.md).

Masked by default, for everyone, staff included: only the party themselves see their own
phone, email, address and ID number in full. Everyone else who can see the dispute gets

- phone `138****5678` (first 3, last 4),
- email `***@example.com` (the domain only),
- address: its first 6 characters (at most half of it) and `***`, so a district and street
  stay readable and the house number does not,
- ID number `110***********123X` (first 3, last 4).

Names are never masked here. Staff whose role covers the dispute (`may_reveal`: the mediator,
a grid worker of its grid, a case handler at its level or above, a superuser) may reveal ONE
field of ONE party with a reason (disputes.reveals); nothing here shows a value in full to
them. A signed document (the agreement, the application for judicial confirmation) and the
case file show the masked view, with the masked ID number of the party's account
(`document_contact`). Used by the serializers, the template tags, the exports, the case file
and the settlement PDFs.
"""

from __future__ import annotations

from accounts.models import User
from accounts.phones import mask_id_number, mask_phone
from core.crypto import blind_index

from .models import Dispute, Party

FIELDS = ("phone", "email", "address", "id_number")
PARTIES = (Party.CLAIMANT, Party.RESPONDENT)
ADDRESS_KEPT = 6  # characters of an address shown before the mask (at most half of it)


def is_own(dispute: Dispute, viewer, party: str) -> bool:
    """The viewer is this party (`viewer` None is a document anyone may hold: never)."""
    if viewer is None:
        return False
    return dispute.is_claimant(viewer) if party == Party.CLAIMANT else dispute.is_respondent(viewer)


def may_reveal(dispute: Dispute, viewer) -> bool:
    """Staff whose role covers the dispute: they may reveal a field with a reason, never see it
    in full by default."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return False
    return bool(
        viewer.is_superuser
        or dispute.is_mediator(viewer)
        or dispute.is_grid_worker(viewer)
        or dispute.is_case_handler(viewer)
    )


def mask_email(email: str) -> str:
    """a.b@example.com → ***@example.com; an empty address stays empty."""
    return "***@" + email.split("@")[-1] if email else ""


def mask_address(address: str) -> str:
    """北京市朝阳区建国路88号 → 北京市朝阳区***; an empty address stays empty."""
    if not address:
        return ""
    return address[: min(ADDRESS_KEPT, len(address) // 2)] + "***"


def party_account(dispute: Dispute, party: str) -> User | None:
    """The account with the party's verified phone, active or not (where its ID number is)."""
    phone = getattr(dispute, f"{party}_phone")
    return User.objects.filter(phone_index=blind_index(phone), phone_verified=True).first() if phone else None


def full_value(dispute: Dispute, party: str, field: str) -> str:
    """One field of one party in full: for the party themselves and for a reveal only."""
    if field == "id_number":
        account = party_account(dispute, party)
        return account.id_number if account else ""
    if field == "email":
        return dispute.respondent_email if party == Party.RESPONDENT else ""
    return getattr(dispute, f"{party}_{field}")


def masked(field: str, value: str) -> str:
    if not value:
        return ""
    if field == "phone":
        return mask_phone(value)
    if field == "id_number":
        return mask_id_number(value)
    if field == "email":
        return mask_email(value)
    return mask_address(value)


def party_contact(dispute: Dispute, viewer, party: str) -> dict:
    """{"name", "phone", "email", "address", "full"} of one party ("claimant" or "respondent")
    as `viewer` sees them: in full for the party themselves, masked for everyone else.

    Only the respondent has an email on a dispute (the claimant's is "").
    """
    full = is_own(dispute, viewer, party)
    seen = {"name": getattr(dispute, f"{party}_name"), "full": full}
    for field in ("phone", "email", "address"):
        value = full_value(dispute, party, field)
        seen[field] = value if full else masked(field, value)
    return seen


def id_number_seen(dispute: Dispute, viewer, party: str) -> str:
    """The party's ID number (from their account) as `viewer` sees it; one query."""
    value = full_value(dispute, party, "id_number")
    return value if is_own(dispute, viewer, party) else masked("id_number", value)


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
