"""The account behind a party of a settlement's documents."""

from __future__ import annotations

from accounts.models import User
from core.crypto import blind_index


def account(phone: str) -> User | None:
    """The account with this verified phone, active or not: the agreement and the judicial
    application name the party (and tell them) whatever became of the account since."""
    return User.objects.filter(phone_index=blind_index(phone), phone_verified=True).first()
