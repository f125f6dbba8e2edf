"""The language of a dispute's documents (docs/features/settlements.md, "The dispute's language").

The filer chooses it; the staff in charge of the dispute (its mediator, a grid worker of its
grid, a case handler in charge) may change it until a settlement is proposed, since the
agreement's text, once proposed and signed, must not change language under the signers. A
change is a timeline line (`language_changed`) with the old and new language.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError

from .casework import info_requests
from .models import Dispute
from .services import record_event

LANGUAGES = tuple(User.Language.values)
# From here on the agreement exists in its language: no change (409).
FIXED_STATES = (Dispute.State.AWAITING_SIGNATURES, Dispute.State.SETTLED)


def may_change(dispute: Dispute, user) -> bool:
    """The staff in charge: the mediator, a grid worker of the grid, a case handler in charge."""
    return bool(
        user.is_authenticated
        and (
            dispute.is_mediator(user) or dispute.is_grid_worker(user) or info_requests.may_ask(dispute, user)
        )
    )


def is_fixed(dispute: Dispute) -> bool:
    """A settlement has been proposed (even one declined since): its language stays."""
    return dispute.state in FIXED_STATES or dispute.settlements.exists()


def may_change_now(dispute: Dispute, user) -> bool:
    return may_change(dispute, user) and not is_fixed(dispute)


def change(dispute: Dispute, by: User, language: str) -> Dispute:
    """Set the documents' language: 403 for anyone but the staff in charge, 400 for a language
    other than zh-hans or en, 409 once a settlement is proposed. The same language is no change."""
    if not may_change(dispute, by):
        raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
    if language not in LANGUAGES:
        raise ServiceError(_("Choose Simplified Chinese or English."), code="invalid", field="language")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update(of=("self",)).get(pk=dispute.pk)
        if is_fixed(dispute):
            raise ServiceError(
                _("A settlement has been proposed: its documents stay in their language."),
                code="conflict",
                status=409,
            )
        if dispute.language != language:
            before = dispute.language
            dispute.language = language
            dispute.save(update_fields=["language", "updated_at"])
            record_event(dispute, "language_changed", by, payload={"from": before, "to": language})
    return dispute
