"""Rank the mediators eligible for a dispute, and say why, in a constant number of queries.

Eligible: active, not on leave today, serving a region node on the dispute grid's path at
or above the dispute's current level, under their caseload limit, and free of conflicts
of interest (a shared phone, the same surname and address as a party, a past dispute as a
party with either side, or having declined or been replaced on this dispute).

Score, out of 100: expertise 30, proximity 25, load 15, fairness 10, language 10, satisfaction
10 (the parties' ratings of the mediator's past cases, smoothed towards a neutral 3 so one
rating cannot make or break a newcomer). Ties go
to whoever has waited longest for an assignment, then the lower user id: the same inputs
always give the same ranking.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, Exists, F, FloatField, Func, OuterRef, Q
from django.utils import timezone

from accounts.models import Region, StaffRole, User
from core.crypto import blind_index
from disputes.models import Dispute

from ..models import Assignment, MediatorProfile

WEIGHTS = {
    "expertise": 30, "proximity": 25, "load": 15, "fairness": 10, "language": 10, "satisfaction": 10,
}  # fmt: skip
# Every mediator starts as if rated 3 (neutral) this many times: satisfaction 0.5.
RATING_PRIOR_COUNT, RATING_PRIOR_SCORE = 5, 3
PROXIMITY = {Region.DEPTH["community"]: 1.0, Region.DEPTH["street"]: 0.5, Region.DEPTH["district"]: 0.0}
FAIRNESS_SECONDS = 7 * 24 * 3600  # a week without an assignment earns full fairness points
WEIGHT_VALUES = tuple(WEIGHTS.values())
# States in which a dispute counts against its mediator's caseload.
OPEN_STATES = [
    Dispute.State.MEDIATOR_ASSIGNED,
    Dispute.State.IN_MEDIATION,
    Dispute.State.AWAITING_SIGNATURES,
]
USER_LANGUAGE = {"zh-hans": "zh", "en": "en"}


@dataclass(slots=True)
class Candidate:
    """A mediator as the ranking sees them: plain values, no model instances (5,000 of them)."""

    user_id: int
    name: str
    phone_index: str  # blind index of the phone (docs/personal-data-encryption.md)
    address: str  # as stored: sealed, opened only when the surname matches a party's
    committee: str | None
    node_depth: int
    has_profile: bool
    active: bool
    on_leave_from: date | None
    on_leave_until: date | None
    max_caseload: int
    languages: list
    last_assigned: float | None  # epoch seconds (decoding 5,000 datetimes costs more than ranking)
    expert: bool
    rating_count: int = 0
    rating_sum: int = 0
    open_cases: int = 0
    score: float = 0.0
    parts: tuple = ()  # each score component, 0..1, in the order of WEIGHTS
    refusals: list | None = None  # why they are not eligible: [code, params]
    category: dict | None = None

    @property
    def breakdown(self) -> dict:
        return {
            name: {"value": round(value, 4), "points": round(WEIGHTS[name] * value, 2)}
            for name, value in zip(WEIGHTS, self.parts, strict=True)
        }

    @property
    def reasons(self) -> list:
        """Why they rank where they do, as [code, params] pairs (mediation.pool.reasons words them)."""
        if not self.parts:
            return []
        level = {2: "community", 1: "street", 0: "district"}.get(self.node_depth, "community")
        reasons = [["proximity", {"level": level}]]
        if self.expert:
            reasons.append(["expertise", self.category])
        reasons.append(["load", {"open": self.open_cases}])
        if self.parts[4] < 1:  # language
            reasons.append(["language_gap", {}])
        return reasons

    def on_leave(self, day: date) -> bool:
        if self.on_leave_from is None and self.on_leave_until is None:
            return False
        return (self.on_leave_from is None or self.on_leave_from <= day) and (
            self.on_leave_until is None or day <= self.on_leave_until
        )

    def as_dict(self, rank: int | None = None) -> dict:
        data = {
            "mediator": {"id": self.user_id, "name": self.name, "committee": self.committee},
            "score": self.score,
            "breakdown": self.breakdown,
            "open_cases": self.open_cases,
            "max_caseload": self.max_caseload if self.has_profile else None,
            "reasons": self.reasons,
        }
        if rank is not None:
            data["rank"] = rank
        if self.refusals:
            data["ineligible"] = self.refusals
        return data


@dataclass
class Ranking:
    eligible: list[Candidate]
    ineligible: list[Candidate]

    @property
    def best(self) -> Candidate | None:
        return self.eligible[0] if self.eligible else None

    def rank_of(self, user_id: int) -> int | None:
        for index, candidate in enumerate(self.eligible, start=1):
            if candidate.user_id == user_id:
                return index
        return None

    def snapshot(self, limit: int = 10) -> list[dict]:
        return [c.as_dict(rank) for rank, c in enumerate(self.eligible[:limit], start=1)]


def serving_nodes(dispute: Dispute) -> list[int]:
    """Region ids on the grid's path at or above the dispute's level (district first)."""
    return dispute.grid.ancestor_ids()[: dispute.level + 1]


def sees_ranking(dispute: Dispute, user) -> bool:
    """Who sees the candidates and why they rank where they do: superusers and the dispute's staff."""
    return user.is_superuser or dispute.is_grid_worker(user) or dispute.is_case_handler(user)


CANDIDATE_COLUMNS = (
    "user_id", "user__full_name", "user__username", "user__phone_index", "user__address", "user__mediator_profile__committee__name",
    "region__kind", "user__mediator_profile__id", "user__mediator_profile__active",
    "user__mediator_profile__on_leave_from", "user__mediator_profile__on_leave_until",
    "user__mediator_profile__max_caseload", "user__mediator_profile__languages", "last_assigned", "expert",
    "user__mediator_profile__rating_count", "user__mediator_profile__rating_sum",
)  # fmt: skip


def _languages(raw) -> list:
    if isinstance(raw, str):
        raw = json.loads(raw)
    return raw or ["zh"]


class Epoch(Func):
    """Seconds since 1970 of a datetime column, as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s) - 2440587.5) * 86400.0", **extra
        )


def _candidates(dispute: Dispute) -> dict[int, Candidate]:
    """One row per mediator serving a node on the grid's path at or above the dispute's level.

    A mediator attached to several such nodes counts at the one nearest the grid.
    """
    expertise = MediatorProfile.expertise.through.objects.filter(
        mediatorprofile_id=OuterRef("user__mediator_profile__id"), category_id=dispute.category_id
    )
    query = (
        StaffRole.objects.filter(
            role=StaffRole.Role.MEDIATOR, region_id__in=serving_nodes(dispute), user__is_active=True
        )
        .annotate(expert=Exists(expertise), last_assigned=Epoch("user__mediator_profile__last_assigned_at"))
        .values_list(*CANDIDATE_COLUMNS)
    )
    # The ORM's per-row machinery costs more than the ranking itself at 5,000 rows: read
    # the compiled query's rows directly (languages arrive as JSON text on both databases).
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    candidates: dict[int, Candidate] = {}
    for row in rows:
        (user_id, full_name, username, phone_index, address, committee, kind, profile_id, active,
         leave_from, leave_until, max_caseload, languages, last_assigned, expert,
         rating_count, rating_sum) = row  # fmt: skip
        depth = Region.DEPTH[kind]
        if user_id in candidates and candidates[user_id].node_depth >= depth:
            continue
        candidates[user_id] = Candidate(
            user_id=user_id, name=full_name or username, phone_index=phone_index, address=address, committee=committee,
            node_depth=depth, has_profile=profile_id is not None, active=bool(active),
            on_leave_from=leave_from, on_leave_until=leave_until, max_caseload=max_caseload or 0,
            languages=_languages(languages), last_assigned=last_assigned, expert=bool(expert),
            rating_count=rating_count or 0, rating_sum=rating_sum or 0,
        )  # fmt: skip
    return candidates


def rank(dispute: Dispute, *, now: datetime | None = None) -> Ranking:
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = _candidates(dispute)
    if not candidates:
        return Ranking([], [])
    # Open caseloads of every mediator (the partial index dispute_open_by_mediator covers it).
    open_cases = dict(
        Dispute.objects.filter(state__in=OPEN_STATES, mediator__isnull=False)
        .values_list("mediator_id")
        .annotate(n=Count("*"))  # COUNT(*): an index-only scan, no heap visits
        .order_by()
    )
    party_phones = [dispute.claimant_phone_index, dispute.respondent_phone_index]
    # Everyone who was ever a party opposite (or beside) one of these parties, by phone index.
    past_parties = set()
    for phones in (
        Dispute.objects.filter(
            Q(claimant_phone_index__in=party_phones) | Q(respondent_phone_index__in=party_phones)
        )
        .exclude(pk=dispute.pk)
        .values_list("claimant_phone_index", "respondent_phone_index")
    ):
        past_parties.update(phones)
    excluded = dict(
        Assignment.objects.filter(
            dispute=dispute, end_reason__in=[Assignment.End.DECLINED, Assignment.End.REPLACED]
        ).values_list("mediator_id", "end_reason")
    )
    parties = _parties(dispute)
    conflicts = Conflicts(
        phones={blind_index(p["phone"]) for p in parties},
        families={(p["name"][:1], p["address"]) for p in parties if p["address"]},
        past_parties=past_parties,
        excluded=excluded,
    )
    needed_languages = sorted({USER_LANGUAGE.get(p["language"], "zh") for p in parties})
    now_epoch = now.timestamp()

    eligible, ineligible = [], []
    for candidate in candidates.values():
        candidate.open_cases = open_cases.get(candidate.user_id, 0)
        candidate.refusals = _refusals(candidate, today, conflicts)
        if candidate.refusals:
            ineligible.append(candidate)
            continue
        _score(candidate, dispute, now_epoch, needed_languages)
        eligible.append(candidate)

    eligible.sort(key=lambda c: (-c.score, c.last_assigned or 0.0, c.user_id))
    return Ranking(eligible, ineligible)


@dataclass
class Conflicts:
    phones: set  # blind indexes of the parties' phones
    families: set  # (surname, normalised address) of each party
    past_parties: set  # phone indexes of everyone who was ever a party with either party
    excluded: dict  # mediator id → "declined" or "replaced" on this dispute


def _parties(dispute: Dispute) -> list[dict]:
    """Name, phone, address and language of each party (from their account where they have one)."""
    users = {u.phone: u for u in User.objects.filter(
        phone_index__in=[dispute.claimant_phone_index, dispute.respondent_phone_index], phone_verified=True
    )}  # fmt: skip
    parties = []
    for name, phone, address in (
        (dispute.claimant_name, dispute.claimant_phone, dispute.claimant_address),
        (dispute.respondent_name, dispute.respondent_phone, dispute.respondent_address),
    ):
        user = users.get(phone)
        parties.append({
            "name": (user.full_name if user else "") or name,
            "phone": phone,
            "address": _normal_address((user.address if user else "") or address),
            "language": user.language if user else "zh-hans",
        })  # fmt: skip
    return parties


_ADDRESS = User._meta.get_field("address")


def _normal_address(address: str) -> str:
    return "".join(address.split()).lower()


def _refusals(candidate: Candidate, today: date, conflicts: Conflicts) -> list | None:
    """The reasons a candidate cannot take this dispute; None when there are none."""
    refusals = []
    if not candidate.has_profile or not candidate.active:
        refusals.append(["inactive", {}])
    elif candidate.on_leave(today):
        refusals.append(["on_leave", {"until": str(candidate.on_leave_until or "")}])
    if candidate.has_profile and candidate.open_cases >= candidate.max_caseload:
        refusals.append(["at_capacity", {"open": candidate.open_cases, "max": candidate.max_caseload}])
    phone = candidate.phone_index
    if phone and phone in conflicts.phones:
        refusals.append(["conflict_phone", {}])
    if candidate.address and any(candidate.name[:1] == surname for surname, _ in conflicts.families):
        # Opened only for a shared surname: decrypting 5,000 addresses would cost more than the ranking.
        address = _ADDRESS.from_db_value(candidate.address, None, connection)
        if (candidate.name[:1], _normal_address(address)) in conflicts.families:
            refusals.append(["conflict_family", {}])
    if phone and phone in conflicts.past_parties:
        refusals.append(["conflict_past_dispute", {}])
    if candidate.user_id in conflicts.excluded:
        refusals.append([f"excluded_{conflicts.excluded[candidate.user_id]}", {}])
    return refusals or None


def _score(candidate: Candidate, dispute: Dispute, now_epoch: float, needed_languages: list[str]) -> None:
    """Fill in the score parts; the words (reasons, breakdown) are derived only when shown.

    Plain arithmetic on purpose: this runs for every candidate (thousands per ranking).
    """
    if candidate.last_assigned is None:
        fairness = 1.0
    else:
        fairness = min(max(now_epoch - candidate.last_assigned, 0) / FAIRNESS_SECONDS, 1.0)
    spoken = candidate.languages
    language = sum(1 for lang in needed_languages if lang in spoken) / len(needed_languages)
    candidate.parts = parts = (
        1.0 if candidate.expert else 0.0,
        PROXIMITY.get(candidate.node_depth, 1.0),
        max(1 - candidate.open_cases / candidate.max_caseload, 0.0),
        fairness,
        language,
        satisfaction(candidate.rating_count, candidate.rating_sum),
    )
    candidate.score = round(sum(w * v for w, v in zip(WEIGHT_VALUES, parts, strict=True)), 2)
    if candidate.expert:
        category = dispute.category
        candidate.category = {"category": category.slug, "name": category.name, "name_en": category.name_en}


def satisfaction(count: int, total: int) -> float:
    """The smoothed average rating (1..5) as 0..1; 0.5 for a mediator nobody has rated."""
    average = (total + RATING_PRIOR_COUNT * RATING_PRIOR_SCORE) / (count + RATING_PRIOR_COUNT)
    return (average - 1) / 4


def record_rating(event, notify) -> None:
    """disputes ON_EVENT listener: a "rated" event adds its score to the rated mediator's
    average, with F() so concurrent ratings never lose an update (same transaction)."""
    if event.transition != "rated" or not event.payload.get("mediator"):
        return
    MediatorProfile.objects.filter(user_id=event.payload["mediator"]).update(
        rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + int(event.payload["score"])
    )
