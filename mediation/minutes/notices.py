"""Who is told about minutes (docs/features/minutes.md): the parties present when a version is
ready to confirm, the mediator when a party confirms. Texts never quote the minutes, and only
people who may read the session are told (a caucus's minutes reach its own party only)."""

from __future__ import annotations

from notifications.services import Recipient, notify


def link(minutes) -> str:
    return f"/sessions/{minutes.session_id}/minutes/"


def _values(minutes) -> dict:
    dispute = minutes.session.dispute
    return {"ref": dispute.reference, "subject": dispute.title, "version": minutes.version}


def ready(minutes, parties) -> None:
    recipients = [Recipient.for_user(u, "minutes_ready") for u in parties if u.is_active]
    notify(
        recipients, kind="minutes_ready", values=_values(minutes), link=link(minutes),
        dispute_id=minutes.session.dispute_id,
    )  # fmt: skip


def confirmed(minutes, confirmation) -> None:
    mediator = minutes.session.dispute.mediator
    if mediator is None or not mediator.is_active:
        return
    values = {**_values(minutes), "name": confirmation.name}
    notify(
        [Recipient.for_user(mediator, "minutes_confirmed")], kind="minutes_confirmed", values=values,
        link=link(minutes), dispute_id=minutes.session.dispute_id,
    )  # fmt: skip
