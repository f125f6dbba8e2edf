"""Everything the platform holds about one user as a party, gathered in a fixed number of queries.

What is in it (docs/personal-data-rights.md, "Downloading one's own data"): the account, the
privacy notice acceptances, the disputes where the user is a party (claimant, or respondent
once served) with what they filed or answered, the timeline of those disputes, the messages
of the chat rooms the user belongs to (the joint room and their own private session, never
the other party's), the evidence's metadata, the user's signatures, notifications and
ratings. Shown in full: it is the user's own data.

Query count does not grow with the number of disputes, events or messages: one query per
kind of record.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import PrivacyAcceptance, StaffRole, User
from disputes.models import Dispute, DisputeEvent, Evidence, InfoRequest, Rating
from mediation.minutes.casefile import own_minutes
from mediation.models import JudicialSignature, Message, Room, SettlementSignature
from notifications.models import Notification

FORMAT_VERSION = 1
# What a dispute's timeline shows of an event's payload (templates/disputes/_timeline.html).
EVENT_PAYLOAD_KEYS = ("referral_advice", "outcome", "referred_to")


def _value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, fields) -> dict:
    return {name: _value(getattr(obj, name)) for name in fields}


def party_disputes(user: User):
    """The disputes where `user` is a party, as Dispute.objects.visible_to decides for parties."""
    return Dispute.objects.naming(user).select_related("category", "grid")


def collect(user: User) -> dict:
    disputes = list(party_disputes(user).order_by("id"))
    roles = {d.pk: ("claimant" if d.claimant_phone == user.phone else "respondent") for d in disputes}
    ids = list(roles)
    return {
        "format": FORMAT_VERSION,
        "generated_at": _value(timezone.now()),
        "account": _account(user),
        "privacy_notice_acceptances": [
            _row(a, ("version", "via", "accepted_at")) for a in PrivacyAcceptance.objects.filter(user=user)
        ],
        "disputes": [_dispute(d, roles[d.pk]) for d in disputes],
        "events": _events(ids),
        "information_requests": _info_requests(user, ids, roles),
        "messages": _messages(user, ids, roles),
        "evidence": _evidence(user, ids),
        "session_minutes": own_minutes(user, ids, roles),  # never the other party's caucus
        "signatures": _signatures(user),
        "notifications": [
            _row(
                n,
                ("id", "dispute_id", "kind", "channel", "address", "title", "body", "link", "status")
                + ("created_at", "sent_at", "read_at"),
            )
            for n in Notification.objects.filter(user=user).order_by("id")
        ],  # fmt: skip
        "ratings": [
            _row(r, ("dispute_id", "party", "score", "comment", "at")) for r in Rating.objects.filter(by=user)
        ],
    }


def _account(user: User) -> dict:
    account = _row(
        user,
        ("id", "username", "full_name", "phone", "phone_verified", "email", "id_number", "address")
        + ("language", "date_joined", "last_login", "privacy_notice_version"),
    )
    account["staff_roles"] = [
        {"role": r.role, "region": r.region.name}
        for r in StaffRole.objects.filter(user=user).select_related("region").order_by("id")
    ]
    return account


def _dispute(d: Dispute, role: str) -> dict:
    row = {
        "id": d.pk,
        "reference": d.reference,
        "your_role": role,
        "title": d.title,
        "description": d.description,
        "category": d.category.display_name,
        "grid": d.grid.display_name(),
        "state": d.state,
        "filed_at": _value(d.created_at),
        "served_at": _value(d.served_at),
        "closed_at": _value(d.closed_at),
        "outcome": d.outcome,
        # How the dispute records you: what was filed about you, or what you filed.
        "you_as_recorded": {
            "name": getattr(d, f"{role}_name"),
            "phone": getattr(d, f"{role}_phone"),
            "email": d.respondent_email if role == "respondent" else "",
            "address": getattr(d, f"{role}_address"),
        },
    }
    if role == "claimant":
        # What the claimant filed, the other party's details included: the claimant gave them.
        row["filed"] = {
            "amount_claimed": _value(d.amount_claimed),
            "desired_outcome": d.desired_outcome,
            "respondent_name": d.respondent_name,
            "respondent_phone": d.respondent_phone,
            "respondent_email": d.respondent_email,
            "respondent_address": d.respondent_address,
        }
    else:
        row["filed"] = {"claimant_name": d.claimant_name}
    return row


def _events(ids: list[int]) -> list[dict]:
    events = (
        DisputeEvent.objects.filter(dispute_id__in=ids)
        .select_related("actor")
        .order_by("dispute_id", "at", "id")
    )
    return [
        {
            **_row(e, ("dispute_id", "transition", "from_state", "to_state", "actor_role", "reason", "at")),
            "actor": e.actor.display_name if e.actor else "",
            "details": {k: e.payload[k] for k in EVENT_PAYLOAD_KEYS if k in (e.payload or {})},
        }
        for e in events
    ]


def _info_requests(user: User, ids: list[int], roles: dict) -> list[dict]:
    requests = InfoRequest.objects.filter(dispute_id__in=ids).order_by("dispute_id", "asked_at", "id")
    return [
        _row(r, ("dispute_id", "party", "question", "due_at", "asked_at", "answer", "answered_at"))
        for r in requests
        if r.party == roles[r.dispute_id]
    ]


def _messages(user: User, ids: list[int], roles: dict) -> list[dict]:
    """Messages of the rooms the user belongs to: each dispute's joint room and the user's own
    private session (caucus) with the mediator; the other party's caucus is left out."""
    rooms = {
        room.pk: room
        for room in Room.objects.filter(dispute_id__in=ids)
        if room.kind == Room.Kind.JOINT or room.party == roles[room.dispute_id]
    }
    messages = (
        Message.objects.filter(room_id__in=list(rooms)).select_related("author").order_by("room_id", "seq")
    )
    return [
        {
            "dispute_id": rooms[m.room_id].dispute_id,
            "room": rooms[m.room_id].kind,
            "seq": m.seq,
            "author": m.author.display_name,
            "author_role": m.author_role,
            "mine": m.author_id == user.pk,
            "body": m.body,
            "sent_at": _value(m.sent_at),
        }
        for m in messages
    ]


def _evidence(user: User, ids: list[int]) -> list[dict]:
    evidence = Evidence.objects.filter(dispute_id__in=ids).order_by("dispute_id", "uploaded_at", "id")
    return [
        {
            **_row(
                e, ("dispute_id", "filename", "content_type", "size", "sha256", "description", "uploaded_at")
            ),
            "mine": e.uploaded_by_id == user.pk,
        }
        for e in evidence
    ]


def _signatures(user: User) -> list[dict]:
    settlement = SettlementSignature.objects.filter(signer=user).select_related("settlement")
    judicial = JudicialSignature.objects.filter(signer=user).select_related("application")
    return [
        {"document": "settlement", "dispute_id": s.settlement.dispute_id, "version": s.settlement.version}
        | _row(s, ("role", "signer_name", "signed_at", "certificate_serial"))
        for s in settlement
    ] + [
        {"document": "judicial_application", "dispute_id": s.application.dispute_id, "version": None}
        | _row(s, ("role", "signer_name", "signed_at", "certificate_serial"))
        for s in judicial
    ]
