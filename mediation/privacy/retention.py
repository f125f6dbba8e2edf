"""The retention task: every kind of record past its period in settings.RETENTION is deleted
or anonymised, in batches, with one `retention` audit entry per kind (the count) each run
(docs/personal-data-retention.md). The audit log itself is never purged here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import retention as accounts
from core import audit
from core.models import AuditEntry
from core.retention import batch_size, cutoff, in_batches
from disputes import retention as disputes
from disputes.models import Dispute
from notifications import retention as notifications

from ..minutes.retention import purge_minutes
from ..models import Attachment, Message, Presence, WsTicket
from ..recordings.retention import purge_recordings


def purge_chat(now: datetime, *, dry_run: bool, batch: int) -> int:
    """Chat messages of disputes closed more than RETENTION["chat"] days ago: the bodies are
    emptied, voice notes and recordings deleted, session minutes emptied. The rows stay, so each room's
    sequence stays gap-free and the record shows who spoke when; the words are gone."""
    expired = Message.objects.filter(
        room__dispute__state__in=Dispute.TERMINAL, room__dispute__closed_at__lt=cutoff("chat", now)
    ).exclude(body="")

    def empty(ids: list[int]) -> int:
        return Message.objects.filter(pk__in=ids).exclude(body="").update(body="")

    return (
        in_batches(expired, empty, dry_run=dry_run, batch=batch)
        + purge_voice_notes(now, dry_run=dry_run, batch=batch)
        + purge_recordings(now, dry_run=dry_run, batch=batch)  # docs/features/calls.md
        + purge_minutes(now, dry_run=dry_run, batch=batch)  # docs/features/minutes.md
    )


def purge_voice_notes(now: datetime, *, dry_run: bool, batch: int) -> int:
    """Voice notes of the same messages (the chat's period): the attachment rows, and their
    files once the deletion has committed (a rollback leaves both), as for evidence."""
    expired = Attachment.objects.filter(
        message__room__dispute__state__in=Dispute.TERMINAL,
        message__room__dispute__closed_at__lt=cutoff("chat", now),
    )

    def delete(ids: list[int]) -> int:
        rows = Attachment.objects.filter(pk__in=ids)
        names = [name for name in rows.values_list("file", flat=True) if name]
        deleted = rows.delete()[1].get(Attachment._meta.label, 0)
        transaction.on_commit(partial(disputes.delete_files, names))
        return deleted

    return in_batches(expired, delete, dry_run=dry_run, batch=batch)


def purge_chat_credentials(now: datetime, *, dry_run: bool, batch: int) -> int:
    """Websocket tickets expired, and presence rows unrefreshed, more than
    RETENTION["credentials"] days ago (the chat clears most of them itself)."""
    before = cutoff("credentials", now)
    tickets = WsTicket.objects.filter(expires_at__lt=before)
    presence = Presence.objects.filter(seen_at__lt=before)

    def delete(model, ids: list[int]) -> int:
        return model.objects.filter(pk__in=ids).delete()[0]

    return in_batches(tickets, lambda ids: delete(WsTicket, ids), dry_run=dry_run, batch=batch) + in_batches(
        presence, lambda ids: delete(Presence, ids), dry_run=dry_run, batch=batch
    )


def purge_credentials(now: datetime, *, dry_run: bool, batch: int) -> int:
    return accounts.purge_credentials(now, dry_run=dry_run, batch=batch) + purge_chat_credentials(
        now, dry_run=dry_run, batch=batch
    )


# The kinds, in the order they run: each key is a key of settings.RETENTION. Evidence and chat
# go before the disputes' own row is anonymised (they select by the dispute, not by its data).
KINDS: dict[str, Callable[..., int]] = {
    "evidence": disputes.purge_evidence,
    "chat": purge_chat,
    "disputes": disputes.anonymise_disputes,
    "notifications": notifications.purge_notifications,
    "phone_codes": accounts.purge_phone_codes,
    "sign_in_logs": accounts.purge_sign_in_logs,
    "credentials": purge_credentials,
}


def apply(now: datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Run every kind's purge; return {kind: rows deleted or anonymised (would be, dry run)}.

    `now` is the clock the periods count back from (tests move it). A real run records one
    `retention` audit entry per kind, zero included, so the log shows every run.
    """
    now = now or timezone.now()
    batch = batch_size()
    counts = {}
    for kind, purge in KINDS.items():
        counts[kind] = purge(now, dry_run=dry_run, batch=batch)
        if not dry_run:
            audit.record(
                AuditEntry.Action.RETENTION,
                actor=None,
                target=kind,
                data={
                    "kind": kind,
                    "count": counts[kind],
                    "days": settings.RETENTION[kind],
                    "before": (now - timedelta(days=settings.RETENTION[kind])).isoformat(),
                },
            )
    return counts
