"""Who may open a case page and read the case file, and whose account stands behind a party."""

from __future__ import annotations

from accounts import roles
from accounts.models import StaffRole, User
from core.crypto import blind_index
from disputes.models import Dispute


def is_case_handler_over(dispute: Dispute, user) -> bool:
    """A case handler whose region covers the dispute's grid, at any level."""
    return roles.holds_role_over(user, StaffRole.Role.CASE_HANDLER, dispute.grid)


def may_open_case_page(dispute: Dispute, user) -> bool:
    return user.is_superuser or is_case_handler_over(dispute, user)


def may_read_case_file(dispute: Dispute, user) -> bool:
    """Dossier and referral letter: case handlers and grid workers over the grid (docs/api.md)."""
    return (
        user.is_superuser
        or is_case_handler_over(dispute, user)
        or roles.holds_role_over(user, StaffRole.Role.GRID_WORKER, dispute.grid)
    )


def party_user(dispute: Dispute, party: str) -> User | None:
    """The account behind a party (by verified phone); None if they have none (filed for them)."""
    phone = getattr(dispute, f"{party}_phone")
    return User.objects.filter(phone_index=blind_index(phone), phone_verified=True, is_active=True).first()
