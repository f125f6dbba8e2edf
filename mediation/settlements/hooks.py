"""The settlements' part in the dispute transitions and pages (called by MediationConfig.ready):
versions follow the proposal, decline and withdrawal; signing is checked before, resolved
under and stored after the `sign` transition (docs/features/settlements.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from . import agreements, held, panels

# Judicial confirmation events on the timeline (they change no state).
JUDICIAL_LABELS = {
    "judicial_applied": _("Applied for judicial confirmation"),
    "judicial_signed": _("Signed the application for judicial confirmation"),
    "judicial_ready": _("Application for judicial confirmation ready to file"),
    "judicial_reminder": _("Reminder: judicial confirmation window closing"),
    "judicial_expired": _("Application for judicial confirmation expired"),
    "judicial_outcome": _("Recorded the court's answer"),
}


def register() -> None:
    from disputes import hooks, labels, notices
    from disputes import panels as dispute_panels

    # A signature by a key the signer holds, or else the SMS path (docs/features/held-keys.md).
    hooks.PRECHECKS["sign"] = held.precheck_sign
    hooks.SECRET_KEYS.add(agreements.PREPARED)  # the prepared signature is never recorded
    hooks.RESOLVERS["sign"] = agreements.resolve_sign
    hooks.OFFER["sign"] = agreements.may_sign_now
    # Every taking-part party (or its agent or guardian allowed to sign) may decline.
    hooks.RESOLVERS["decline_settlement"] = agreements.resolve_decline
    hooks.OFFER["decline_settlement"] = agreements.may_decline
    notices.TARGETS["sign"] = agreements.sign_notice_targets
    hooks.after("propose_settlement")(agreements.on_propose)
    hooks.after("decline_settlement")(agreements.on_decline)
    hooks.after("withdraw")(agreements.on_withdraw)
    # It stores the signed file: the "files" phase runs after every database handler.
    hooks.after("sign", phase="files")(agreements.on_sign)
    labels.register(JUDICIAL_LABELS)
    dispute_panels.register(
        "dispute", "settlement", panels.SETTLEMENT_TEMPLATE, panels.settlement_context, order=20
    )
    dispute_panels.register(
        "dispute", "judicial", panels.JUDICIAL_TEMPLATE, panels.judicial_context, order=30
    )
    # The OCSP responder learns of each certificate the moment it is registered (revocation.py).
    from django.db.models.signals import post_save

    from ..models import IssuedCertificate
    from . import revocation

    post_save.connect(revocation.on_registered, sender=IssuedCertificate, dispatch_uid="trust-issued-log")
