"""Who is told of each timeline event: the dispute's rules for notifications.

`services.record_event` calls `on_event` inside the transaction that records the event; this
module decides the recipients, the text each gets, whether the notice has legal weight and
where it links, and hands them to `notifications.services.notify`, which writes the outbox
rows in the same transaction and delivers them after commit (docs/features/notifications.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone

from accounts import roles
from accounts.models import StaffRole, User
from notifications.models import Notification
from notifications.services import Recipient, notify

from .models import Dispute, DisputeEvent
from .models.parties import Side
from .retention import REMOVED_PHONE

# Who is told of each event: (target, text variant or None: the event's own text).
# claimant: their account, else their phone. respondent: once served, their account, else
# the phone and email given at filing, so the invitation reaches someone with no account.
# mediator; grid_workers of the dispute's grid; case_handlers of its level and region;
# former_mediator: the mediator who had accepted the dispute, when this event took it away.
# The `notify` users passed with the event are added to all.
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
    "respondent_reminder": [("pending_respondents", None)],
    "set_grid": [("grid_workers", None)],
}
# Events whose recipients depend on another app's records: name → fn(event) -> targets like
# RULES (mediation registers "sign": the next signer, or everyone once sealed).
TARGETS: dict[str, Callable[[DisputeEvent], list[tuple[str, str | None]]]] = {}


def reject_targets(event: DisputeEvent) -> list[tuple[str, str | None]]:
    """The claimant learns why, with intake's referral advice where to turn instead, and for a
    duplicate which dispute it repeats (docs/features/intake.md)."""
    payload = event.payload or {}
    advice = bool(payload.get("referral_advice"))
    if payload.get("duplicate_of"):
        return [("claimant", "reject:duplicate_advice" if advice else "reject:duplicate")]
    return [("claimant", "reject:advice" if advice else None)]


TARGETS["reject"] = reject_targets


def partial(event: DisputeEvent) -> bool:
    """One party's answer or withdrawal among several: the dispute stayed where it was."""
    return event.from_state == event.to_state


def accept_targets(event: DisputeEvent) -> list[tuple[str, str | None]]:
    """The claimants hear of each respondent's agreement; the text says whether others must still answer."""
    return [("claimant", "respondent_accept:partial" if partial(event) else None)]


def decline_targets(event: DisputeEvent) -> list[tuple[str, str | None]]:
    """A respondent's decline escalates only when every respondent has declined (then the
    case handlers are told, as with two parties); before that, or when another accepted,
    the claimants hear of it and of the mediation going on."""
    if event.to_state == Dispute.State.ESCALATED:
        return RULES["respondent_decline"]
    return [("claimant", "respondent_decline:partial" if partial(event) else "respondent_decline:goes_on")]


def withdraw_targets(event: DisputeEvent) -> list[tuple[str, str | None]]:
    """One claimant's withdrawal among several: the other parties hear of it, and the mediator."""
    if not partial(event):
        return RULES["withdraw"]
    return [
        ("claimant", "withdraw:partial"),
        ("respondent", "withdraw:partial"),
        ("mediator", "withdraw:partial"),
    ]


TARGETS["respondent_accept"] = accept_targets
TARGETS["withdraw"] = withdraw_targets
TARGETS["respondent_decline"] = decline_targets

# Notices with legal weight go out on every channel the recipient can receive, whatever
# their preferences: the invitation to respond, a settlement to sign, deadlines and breaches.
LEGAL = {"accept", "propose_settlement", "sign", "sla_breach", "respondent_reminder"}
LEGAL_PREFIXES = ("judicial_",)
# Transitions that carry legal weight only when the system fires them on a deadline breach.
LEGAL_BY_TIMEOUT = {"respondent_decline", "escalate", "mediator_decline"}
# Once a dispute is settled or closed its parties may rate the handling: link to that panel.
RATING_ANCHOR_STATES = {Dispute.State.SETTLED, Dispute.State.CLOSED}


def on_event(event: DisputeEvent, extra: Iterable[User | None] = ()) -> list[Notification]:
    """Write the outbox rows for a timeline event (in the caller's transaction)."""
    return notify(
        recipients(event, extra),
        kind=event.transition,
        values=text_values(event),
        link=link_for(event),
        legal=is_legal(event),
        dispute_id=event.dispute_id,
        event=event,
    )


def is_legal(event: DisputeEvent) -> bool:
    name = event.transition
    if name in LEGAL or name.startswith(LEGAL_PREFIXES):
        return True
    return name in LEGAL_BY_TIMEOUT and event.actor_id is None


def link_for(event: DisputeEvent) -> str:
    anchor = "#rating" if event.to_state in RATING_ANCHOR_STATES else ""
    return settings.SITE_URL.rstrip("/") + event.dispute.get_absolute_url() + anchor


def text_values(event: DisputeEvent) -> dict:
    """The placeholders of notifications.texts for this event."""
    dispute = event.dispute
    due = timezone.localtime(dispute.due_at).strftime("%Y-%m-%d %H:%M") if dispute.due_at else ""
    payload = event.payload or {}
    return {
        "ref": dispute.reference or f"#{dispute.pk}",
        "subject": dispute.title,
        "due": payload.get("due") or due,
        "reason": event.reason,
        "step": payload.get("step", ""),
        "advice": payload.get("referral_advice", ""),
        "event": event.transition,
        "original": (payload.get("duplicate_of") or {}).get("reference", ""),
    }


def recipients(event: DisputeEvent, extra: Iterable[User | None] = ()) -> list[Recipient]:
    """Everyone to tell of an event, once each, never its actor."""
    name = event.transition
    targets = TARGETS[name](event) if name in TARGETS else RULES.get(name, [])
    party = _PartyFinder(event.dispute)
    found = [r for target, variant in targets for r in _resolve(target, variant or name, event, party)]
    found += [Recipient.for_user(user, name) for user in extra if user is not None and user.is_active]
    return _once_each_without_actor(found, event.actor)


def _resolve(target: str, text: str, event: DisputeEvent, party: _PartyFinder) -> list[Recipient]:
    dispute = event.dispute
    if target == "claimant":
        return party.side(Side.CLAIMANT, text)
    if target in ("respondent", "pending_respondents"):
        # A respondent hears of a dispute only once intake has served them (as they see it).
        if dispute.served_at is None:
            return []
        return party.side(Side.RESPONDENT, text, pending_only=target == "pending_respondents")
    if target == "mediator":
        return [Recipient.for_user(dispute.mediator, text)] if dispute.mediator_id else []
    if target == "former_mediator":
        former = former_mediator(event)
        return [Recipient.for_user(former, text)] if former else []
    if target == "grid_workers":
        staff = roles.intake_staff(dispute.grid)
    elif target == "case_handlers":
        staff = roles.staff_over(dispute.grid, StaffRole.Role.CASE_HANDLER, max_depth=dispute.level)
    else:
        raise ValueError(f"unknown notice target {target!r}")
    return [Recipient.for_user(user, text) for user in staff]


class _PartyFinder:
    """Reaches the parties of a side and their approved agents and guardians: each through
    their account when their phone is verified, else the contact given."""

    def __init__(self, dispute: Dispute):
        self.dispute = dispute
        self.language = getattr(dispute, "language", "") or settings.LANGUAGE_CODE
        # The lead parties as the dispute's own fields state them (retention removes them
        # there); the other parties and the representatives from their rows.
        self.parties = (
            [] if dispute.anonymised_at else list(dispute.parties.prefetch_related("representatives"))
        )
        indexes = {dispute.claimant_phone_index, dispute.respondent_phone_index}
        for p in self.parties:
            indexes |= {p.phone_index, *(r.phone_index for r in p.approved_representatives())}
        self.accounts = {
            u.phone: u
            for u in User.objects.filter(phone_index__in=sorted(indexes), phone_verified=True, is_active=True)
        }

    def side(self, side: str, text: str, *, pending_only: bool = False) -> list[Recipient]:
        """Every party of `side` still taking part (all of them once none does), and each one's
        approved agents and guardians; `pending_only`: respondents who have not answered."""
        rows = [p for p in self.parties if p.side == side] or [self.dispute.lead_party(side)]
        if pending_only:
            rows = [p for p in rows if p.answer == p.Answer.PENDING]
        elif any(p.takes_part for p in rows):
            rows = [p for p in rows if p.takes_part]
        found = []
        for p in rows:
            if p.position == 0:  # the lead as the dispute's own fields state it (retention clears them)
                phone = getattr(self.dispute, f"{side}_phone")
                email = self.dispute.respondent_email if side == Side.RESPONDENT else ""
            else:
                phone, email = p.phone, p.email
            found += self.reach(phone, email, text)
            for rep in p.approved_representatives() if p.pk else []:
                found += self.reach(rep.phone, "", text)
        return found

    def reach(self, phone: str, email: str, text: str) -> list[Recipient]:
        if phone in REMOVED_PHONE.values():
            return []  # the party's data was removed (retention, account deletion): nobody to tell
        user = self.accounts.get(phone)
        if user is None:
            return [Recipient(None, phone, email, self.language, text)]
        return [Recipient(user, phone, user.email or email, user.language, text)]


def _once_each_without_actor(found: list[Recipient], actor: User | None) -> list[Recipient]:
    seen: set = set()
    unique = []
    for r in found:
        key = ("user", r.user.pk) if r.user else ("phone", r.phone)
        is_actor = actor is not None and (r.user == actor or (not r.user and r.phone == actor.phone))
        if key in seen or is_actor:
            continue
        seen.add(key)
        unique.append(r)
    return unique


def former_mediator(event: DisputeEvent) -> User | None:
    """The mediator who had accepted the dispute, if this event took it away from them."""
    taken_from = (Dispute.State.IN_MEDIATION, Dispute.State.AWAITING_SIGNATURES, Dispute.State.SETTLED)
    if event.dispute.mediator_id or event.from_state not in taken_from:
        return None
    accepted = (
        DisputeEvent.objects.filter(dispute_id=event.dispute_id, transition="mediator_accept")
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    return accepted.actor if accepted else None
