"""Conclude and referrals: where a referred case went, and the audit trail of the case file.

The dossier and the referral letter are PDFs built in mediation/casefile/dossier.py, next to the PDF
renderer and the chat and settlement records they include (disputes never imports mediation).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User
from disputes.models import Dispute, DisputeEvent
from disputes.payloads import REFERRALS
from disputes.services import record_event

from .access import party_user

S = Dispute.State


def resolve_conclude(dispute: Dispute, by: User | None, payload: dict) -> dict:
    """`referred_to` is recorded on the timeline, not an argument of Dispute.conclude."""
    return {"outcome": payload["outcome"], "note": payload.get("note", "")}


def on_conclude(dispute: Dispute, event: DisputeEvent) -> None:
    """A referral records where it went (`referral_sent`) and tells the parties.

    The letter itself is rendered on request (mediation/casefile/dossier.py) from this event.
    """
    if event.payload.get("outcome") not in REFERRALS or not event.payload.get("referred_to"):
        return
    parties = [u for u in (party_user(dispute, "claimant"), party_user(dispute, "respondent")) if u]
    if dispute.served_at is None:
        parties = [u for u in parties if dispute.is_claimant(u)]
    record_event(
        dispute, "referral_sent", event.actor, role=event.actor_role, reason=event.reason,
        payload={"outcome": event.payload["outcome"], "referred_to": event.payload["referred_to"]},
        notify=parties,
    )  # fmt: skip


def referral(dispute: Dispute) -> DisputeEvent | None:
    """The `referral_sent` event of a concluded dispute, if it was referred."""
    if dispute.state != S.CLOSED or dispute.outcome not in REFERRALS:
        return None
    return dispute.events.filter(transition="referral_sent").select_related("actor").order_by("-at").first()


def record_download(dispute: Dispute, by: User, *, document: str, sha256: str, at: datetime) -> DisputeEvent:
    """The audit trail of the case file: who downloaded which document, when, and its hash.

    A timeline event that notifies nobody; the hash identifies a leaked copy.
    """
    with transaction.atomic():
        return record_event(
            Dispute.objects.get(pk=dispute.pk), "dossier_downloaded", by,
            payload={"document": document, "sha256": sha256, "at": at.isoformat()},
        )  # fmt: skip
