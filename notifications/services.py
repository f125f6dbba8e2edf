"""Writing the outbox: who is told of a timeline event, on which channels, in which language.

`on_event` is registered in disputes.hooks.ON_EVENT (NotificationsConfig.ready()) and runs
inside the transaction that records the event, so the notices commit or roll back with the
change that causes them. Delivery starts after commit (notifications.delivery).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import StaffRole, User

from . import push, texts
from .models import Notification, Preference

log = logging.getLogger(__name__)
Channel = Notification.Channel

# Who is told of each event: (target, text variant or None). Targets: claimant (their account,
# else their phone), respondent (once served: their account, else the phone and email given at
# filing, so the invitation reaches someone with no account), mediator, grid_workers (of the
# dispute's grid),
# case_handlers (of its level and region), former_mediator (the mediator who had accepted the
# dispute, when this transition took it away). The `notify` users of the event are added to all.
RULES: dict[str, list[tuple[str, str | None]]] = {
    "file": [("grid_workers", None), ("claimant", "file:claimant")],
    "accept": [("respondent", "accept:respondent"), ("claimant", None)],
    "reject": [("claimant", None)],
    "respondent_accept": [("claimant", None)],
    "respondent_decline": [("claimant", None), ("case_handlers", "escalate:handler")],
    "assign_mediator": [("mediator", "assign_mediator:mediator"), ("claimant", None)],
    "mediator_accept": [("claimant", None), ("respondent", None)],
    "mediator_decline": [("claimant", None), ("grid_workers", None)],
    "replace_mediator": [("claimant", None), ("respondent", None), ("former_mediator", None)],
    "propose_settlement": [("claimant", None), ("respondent", None)],
    "decline_settlement": [("mediator", None), ("claimant", None), ("respondent", None)],
    "fail_mediation": [("claimant", None), ("respondent", None), ("case_handlers", "escalate:handler")],
    "escalate": [
        ("claimant", None),
        ("respondent", None),
        ("case_handlers", "escalate:handler"),
        ("former_mediator", None),
    ],
    "take_case": [("claimant", None), ("respondent", None)],
    "return_to_mediation": [("claimant", None), ("respondent", None), ("grid_workers", None)],
    "conclude": [("claimant", None), ("respondent", None)],
    "record_fulfilment": [("claimant", None), ("respondent", None)],
    "report_breach": [
        ("claimant", None),
        ("respondent", None),
        ("case_handlers", "escalate:handler"),
        ("former_mediator", None),
    ],
    "withdraw": [("respondent", None), ("grid_workers", None), ("former_mediator", None)],
    "respondent_reminder": [("respondent", None)],
    # `sign` is decided in _sign_rules (the next signer, or everyone once settled).
}

# Notices with legal weight go out on every channel the recipient can receive, whatever
# their preferences: the invitation to respond, a settlement to sign, deadlines and breaches.
LEGAL = {"accept", "propose_settlement", "sign", "sla_breach", "respondent_reminder"}
LEGAL_PREFIXES = ("judicial_",)
# Transitions that carry legal weight only when the system fires them on a deadline breach.
LEGAL_BY_TIMEOUT = {"respondent_decline", "escalate", "mediator_decline"}


def is_legal(event) -> bool:
    name = event.transition
    if name in LEGAL or name.startswith(LEGAL_PREFIXES):
        return True
    return name in LEGAL_BY_TIMEOUT and event.actor_id is None


@dataclass
class Recipient:
    user: User | None
    phone: str
    email: str
    language: str
    text: str  # text key in notifications.texts


def _dispute_language(dispute) -> str:
    return getattr(dispute, "language", "") or texts.ZH


def _sign_rules(event) -> list[tuple[str, str | None]]:
    """After a signature: the next signer; once the mediator has sealed it, everyone."""
    from disputes.models import DisputeEvent

    if event.to_state == "settled":
        return [
            ("claimant", "sign:settled"),
            ("respondent", "sign:settled"),
            ("grid_workers", "sign:followup"),
        ]
    proposed = (
        DisputeEvent.objects.filter(dispute_id=event.dispute_id, transition="propose_settlement")
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    signed = set(
        DisputeEvent.objects.filter(
            dispute_id=event.dispute_id, transition="sign", id__gt=proposed or 0
        ).values_list("actor_role", flat=True)
    )
    parties_left = [r for r in ("claimant", "respondent") if r not in signed]
    return [(role, None) for role in parties_left] or [("mediator", None)]


def _former_mediator(event) -> User | None:
    """The mediator who had accepted the dispute, if this event took it away from them."""
    from disputes.models import DisputeEvent

    if event.dispute.mediator_id or event.from_state not in (
        "in_mediation",
        "awaiting_signatures",
        "settled",
    ):
        return None
    accepted = (
        DisputeEvent.objects.filter(dispute_id=event.dispute_id, transition="mediator_accept")
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    return accepted.actor if accepted else None


def recipients(event, notify=()) -> list[Recipient]:
    """Everyone to tell of an event, once each, never its actor."""
    dispute = event.dispute
    name = event.transition
    rules = _sign_rules(event) if name == "sign" else RULES.get(name, [])
    fallback = _dispute_language(dispute)
    accounts = {
        u.phone: u
        for u in User.objects.filter(
            phone__in=[dispute.claimant_phone, dispute.respondent_phone], phone_verified=True, is_active=True
        )
    }
    found: list[Recipient] = []

    def add_user(user: User, text: str) -> None:
        found.append(
            Recipient(user, user.phone if user.phone_verified else "", user.email, user.language, text)
        )

    def add_party(phone: str, email: str, text: str, *, served_only: bool) -> None:
        # A respondent hears of a dispute only once intake has served them (as they see it).
        if served_only and dispute.served_at is None:
            return
        if phone in accounts:
            user = accounts[phone]
            found.append(Recipient(user, phone, user.email or email, user.language, text))
        else:
            found.append(Recipient(None, phone, email, fallback, text))

    for target, variant in rules:
        text = variant or name
        if target == "claimant":
            add_party(dispute.claimant_phone, "", text, served_only=False)
        elif target == "respondent":
            add_party(dispute.respondent_phone, dispute.respondent_email, text, served_only=True)
        elif target == "mediator" and dispute.mediator_id:
            add_user(dispute.mediator, text)
        elif target == "former_mediator" and (former := _former_mediator(event)):
            add_user(former, text)
        elif target == "grid_workers":
            for user in roles.staff_over(dispute.grid, StaffRole.Role.GRID_WORKER):
                add_user(user, text)
        elif target == "case_handlers":
            for user in roles.staff_over(dispute.grid, StaffRole.Role.CASE_HANDLER, max_depth=dispute.level):
                add_user(user, text)
    for user in notify:
        if user is not None and user.is_active:
            add_user(user, name)

    actor = event.actor
    seen: set = set()
    unique = []
    for r in found:
        key = ("user", r.user.pk) if r.user else ("phone", r.phone)
        if key in seen or (
            actor is not None and (r.user == actor or (not r.user and r.phone == actor.phone))
        ):
            continue
        seen.add(key)
        unique.append(r)
    return unique


def _values(event) -> dict:
    dispute = event.dispute
    due = timezone.localtime(dispute.due_at).strftime("%Y-%m-%d %H:%M") if dispute.due_at else ""
    payload = event.payload or {}
    return {
        "ref": dispute.reference or f"#{dispute.pk}",
        "subject": dispute.title,
        "due": payload.get("due") or due,
        "reason": event.reason,
        "step": payload.get("step", ""),
        "event": event.transition,
    }


# Once a dispute is settled or closed its parties may rate the handling: link to that panel.
RATING_ANCHOR_STATES = {"settled", "closed"}


def link_for(event) -> str:
    anchor = "#rating" if event.to_state in RATING_ANCHOR_STATES else ""
    return settings.SITE_URL.rstrip("/") + event.dispute.get_absolute_url() + anchor


def on_event(event, notify=()) -> list[Notification]:
    """The ON_EVENT handler: write the outbox rows for a timeline event; deliver after commit."""
    people = recipients(event, notify)
    if not people:
        return []
    legal = is_legal(event)
    prefs = {p.user_id: p for p in Preference.objects.filter(user__in=[r.user for r in people if r.user])}
    values, link, now = _values(event), link_for(event), timezone.now()
    rows = []
    for r in people:
        title, body = texts.render(r.text, r.language, values)
        common = dict(
            user=r.user, dispute_id=event.dispute_id, event=event, kind=event.transition, language=r.language,
            legal=legal, title=title, body=body, link=link, created_at=now, next_attempt_at=now, queued_at=now,
        )  # fmt: skip
        pref = prefs.get(r.user.pk) if r.user else None
        if r.user is not None:
            rows.append(
                Notification(channel=Channel.IN_APP, status=Notification.Status.SENT, sent_at=now, **common)
            )
        if r.phone and (legal or pref is None or pref.sms):
            rows.append(Notification(channel=Channel.SMS, address=r.phone, **common))
        if r.email and (legal or pref is None or pref.email):
            rows.append(Notification(channel=Channel.EMAIL, address=r.email, **common))
    created = Notification.objects.bulk_create(rows)
    transaction.on_commit(partial(after_commit, created))
    return created


def after_commit(rows: list[Notification]) -> None:
    """Push in-app notices to open sockets; queue one delivery task per SMS/email row.

    If the broker is down the rows stay pending and the sweeper queues them later.
    """
    for row in rows:
        if row.channel == Channel.IN_APP:
            try:
                push.notify_user(row)
            except Exception:  # noqa: BLE001 - a push is a courtesy; the inbox has the notice
                log.warning("live push failed for notification %s", row.pk, exc_info=True)
    from .tasks import deliver

    for row in rows:
        if row.channel == Channel.IN_APP:
            continue
        try:
            deliver.delay(row.pk)
        except Exception:  # noqa: BLE001 - the broker is unreachable: the sweeper will queue them
            log.warning("broker unreachable; notification %s left to the sweeper", row.pk, exc_info=True)
            return


# --- the inbox ------------------------------------------------------------------------------------
def inbox(user):
    return Notification.objects.filter(user=user, channel=Channel.IN_APP)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox(user).filter(read_at=None).count()


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=notification.read_at)
    return notification


def mark_all_read(user) -> int:
    return inbox(user).filter(read_at=None).update(read_at=timezone.now())


def preference_for(user) -> Preference:
    return Preference.objects.filter(user=user).first() or Preference(user=user)


def set_preference(user, *, sms: bool, email: bool) -> Preference:
    pref, _ = Preference.objects.update_or_create(user=user, defaults={"sms": sms, "email": email})
    return pref
