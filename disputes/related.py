"""Related and duplicate disputes at intake (docs/features/intake.md, "Related and duplicate disputes").

Reads: `related_to(dispute, user)` lists the other disputes that share a party's phone (by the
blind index, docs/personal-data-encryption.md), the place, or a similar text, each with why it
matched. Writes: `link` joins two disputes as related; a duplicate is the `reject` transition
with `duplicate_of` (its resolver and after-handler live here, registered from DisputesConfig).

Text similarity is looked for among the newest TEXT_CANDIDATES disputes of the dispute's own grid
(a re-filing elsewhere shares a phone or the place), found by the (grid, -id) index: on
PostgreSQL scored by pg_trgm's similarity() in the query, when the database's trigrams see
Chinese characters (its LC_CTYPE must class them as letters: C.UTF-8, zh_CN.UTF-8 and
en_US.UTF-8 do, plain C does not); otherwise, and on SQLite, by character bigrams compared in
Python. A bounded set keeps the cost flat: a GIN trigram index over a million Chinese texts
that share their stock phrases returned ~94,000 candidates per search (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, FloatField, Lookup, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.models import StaffRole, User
from core.crypto import blind_index
from core.errors import ServiceError

from . import hooks, labels
from .models import Dispute, DisputeEvent, DisputeLink
from .retention import REMOVED_PHONE
from .services import record_event

# What is compared: the title and the start of the description (the index holds the same text).
TEXT_CHARS = 200
TEXT_SQL = f'("disputes_dispute"."title" || \' \' || left("disputes_dispute"."description", {TEXT_CHARS}))'
TEXT_THRESHOLD = 0.3  # pg_trgm similarity (its own default threshold)
BIGRAM_THRESHOLD = 0.25  # Jaccard of character bigrams, the fallback's measure
TEXT_CANDIDATES = 500  # the grid's newest disputes compared
PER_REASON = 20  # newest matches kept per kind of reason (a busy estate has thousands)
RESULTS = 30

EVENT = "related"


@dataclass
class Reason:
    kind: str  # claimant_phone, respondent_phone, place, text
    detail: str
    score: float | None = None


@dataclass
class Related:
    id: int
    reference: str
    title: str
    state: str
    reasons: list[Reason] = field(default_factory=list)
    linked: bool = False

    @property
    def state_label(self) -> str:
        return str(Dispute.State(self.state).label)


# --- who ------------------------------------------------------------------------------------
def may_see(dispute: Dispute, user) -> bool:
    """Staff over the dispute's grid (grid workers, case handlers) and superusers."""
    if not getattr(user, "is_active", False):
        return False
    return user.is_superuser or any(
        roles.holds_role_over(user, role, dispute.grid)
        for role in (StaffRole.Role.GRID_WORKER, StaffRole.Role.CASE_HANDLER)
    )


def may_link(dispute: Dispute, user) -> bool:
    """The grid worker of the dispute's grid links it (and marks duplicates, through `reject`)."""
    return dispute.is_grid_worker(user)


def check_link(dispute: Dispute, user) -> None:
    if not may_link(dispute, user):
        raise ServiceError(_("Only the grid worker links disputes."), code="permission_denied", status=403)


def check_see(dispute: Dispute, user) -> None:
    if not may_see(dispute, user):
        raise ServiceError(
            _("Related disputes are shown to the staff in charge."), code="permission_denied", status=403
        )


# --- reads ----------------------------------------------------------------------------------
class AnyOf(Lookup):
    """`column = ANY(%s)`: a list as one array parameter (PostgreSQL). A district's thousand grid
    ids as a thousand parameters cost psycopg ~4 ms of conversion in every query."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


def _scope(dispute: Dispute, user):
    """The other disputes the user may see: earlier ones, and later ones still open."""
    qs = Dispute.objects.exclude(pk=dispute.pk).filter(Q(pk__lt=dispute.pk) | ~Q(state__in=Dispute.TERMINAL))
    if user.is_superuser:
        return qs
    grids = roles.staff_grids(user)
    return (
        qs.filter(AnyOf(F("grid_id"), grids))
        if connection.vendor == "postgresql"
        else qs.filter(grid_id__in=grids)
    )


def _phones(dispute: Dispute) -> list[str]:
    """The parties' phone indexes worth matching (not empty, not removed by retention)."""
    removed = {blind_index(v) for v in REMOVED_PHONE.values()}
    return [
        i for i in (dispute.claimant_phone_index, dispute.respondent_phone_index) if i and i not in removed
    ]


def text_of(title: str, description: str) -> str:
    return f"{title} {description[:TEXT_CHARS]}"


def bigrams(text: str) -> set[str]:
    chars = [c for c in text.lower() if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def bigram_similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


_trigram_ok: dict[str, bool] = {}


def trigrams_usable() -> bool:
    """PostgreSQL with pg_trgm whose trigrams see Chinese (asked once per database)."""
    if connection.vendor != "postgresql":
        return False
    name = connection.settings_dict["NAME"]
    if name not in _trigram_ok:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            ok = cursor.fetchone() is not None
            if ok:
                cursor.execute("SELECT cardinality(show_trgm(%s)) > 0", ["漏水"])
                ok = cursor.fetchone()[0]
        _trigram_ok[name] = ok
    return _trigram_ok[name]


def trigram_query(candidates, text: str):
    """(id, score) of the candidates most similar to `text` by pg_trgm, best first."""
    return (
        Dispute.objects.filter(pk__in=candidates.values("pk")[:TEXT_CANDIDATES])
        .annotate(score=RawSQL(f"similarity({TEXT_SQL}, %s)", [text], output_field=FloatField()))
        .filter(score__gte=TEXT_THRESHOLD)
        .order_by("-score", "-pk")
        .values_list("pk", "score")[:PER_REASON]
    )


def _similar_texts(dispute: Dispute, scope) -> dict[int, float]:
    """{dispute id: score} of the most similar texts among the grid's newest, at most PER_REASON."""
    text = text_of(dispute.title, dispute.description)
    candidates = scope.filter(grid_id=dispute.grid_id).order_by("-pk")
    if trigrams_usable():
        return {pk: round(score, 2) for pk, score in trigram_query(candidates, text)}
    rows = candidates.annotate(start=Substr("description", 1, TEXT_CHARS)).values_list(
        "pk", "title", "start"
    )[:TEXT_CANDIDATES]
    scored = [(round(bigram_similarity(text, text_of(t, s)), 2), pk) for pk, t, s in rows]
    best = sorted((s for s in scored if s[0] >= BIGRAM_THRESHOLD), reverse=True)[:PER_REASON]
    return {pk: score for score, pk in best}


def related_to(dispute: Dispute, user) -> list[Related]:
    """The disputes related to `dispute` that `user` may see, best matches first.

    A constant number of queries whatever the number of results. The caller checked that the
    user may see the list (`check_see`).
    """
    scope = _scope(dispute, user)
    phones = _phones(dispute)
    ids: set[int] = set()
    # One query per phone and side, each the newest few of its (phone index, -id) index: an OR
    # or an IN would read every dispute of a respondent named in thousands.
    for side in ("claimant_phone_index", "respondent_phone_index"):
        for phone in phones:
            matching = scope.filter(**{side: phone}).order_by("-pk")
            ids |= set(matching.values_list("pk", flat=True)[:PER_REASON])
    if dispute.place_id:
        ids |= set(
            scope.filter(place_id=dispute.place_id).order_by("-pk").values_list("pk", flat=True)[:PER_REASON]
        )
    scores = _similar_texts(dispute, scope)
    ids |= set(scores)
    linked = set()
    for low, high in DisputeLink.objects.filter(Q(low=dispute.pk) | Q(high=dispute.pk)).values_list(
        "low", "high"
    ):
        linked.add(high if low == dispute.pk else low)
    ids |= linked
    if not ids:
        return []
    rows = scope.filter(pk__in=ids).values(
        "pk", "reference", "title", "state", "claimant_phone_index", "respondent_phone_index", "place_id"
    )
    place = dispute.place.name if dispute.place_id else ""
    found = []
    for row in rows:
        item = Related(row["pk"], row["reference"] or f"#{row['pk']}", row["title"], row["state"])
        item.reasons = _reasons(dispute, row, phones, place, scores.get(row["pk"]))
        item.linked = row["pk"] in linked
        if item.reasons or item.linked:
            found.append(item)
    found.sort(key=lambda r: (-len(r.reasons), -max((x.score or 1 for x in r.reasons), default=0), -r.id))
    return found[:RESULTS]


def _reasons(dispute: Dispute, row: dict, phones: list[str], place: str, score) -> list[Reason]:
    reasons = []
    theirs = {"claimant": row["claimant_phone_index"], "respondent": row["respondent_phone_index"]}
    for side, index in (
        ("claimant", dispute.claimant_phone_index),
        ("respondent", dispute.respondent_phone_index),
    ):
        if index not in phones:
            continue
        if theirs[side] == index:
            detail = _("Same claimant") if side == "claimant" else _("Same respondent")
        elif index in theirs.values():
            detail = (
                _("The claimant here is the respondent there")
                if side == "claimant"
                else _("The respondent here is the claimant there")
            )
        else:
            continue
        reasons.append(Reason(f"{side}_phone", detail))
    if dispute.place_id and row["place_id"] == dispute.place_id:
        reasons.append(Reason("place", _("Same place: %(place)s") % {"place": place}))
    if score is not None:
        reasons.append(Reason("text", _("Similar text (%(score)d%%)") % {"score": round(score * 100)}, score))
    return reasons


# --- writes ---------------------------------------------------------------------------------
def _named(dispute: Dispute) -> dict:
    return {"id": dispute.pk, "reference": dispute.reference}


def _other(by: User | None, other_id, *, this_id: int, field_name: str) -> Dispute:
    """The other dispute of a link, which `by` must see (404 otherwise, existence never leaks)."""
    if other_id == this_id:
        raise ServiceError(_("A dispute cannot be linked to itself."), code="invalid", field=field_name)
    visible = Dispute.objects.all() if by is None else Dispute.objects.visible_to(by)
    other = visible.filter(pk=other_id).first()
    if other is None:
        raise ServiceError(_("Not found."), code="not_found", status=404)
    return other


def link(dispute: Dispute, other_id: int, *, by: User, kind: str = DisputeLink.Kind.RELATED) -> DisputeLink:
    """Link two disputes as related; a `related` event goes on both timelines.

    Refuses: 403 unless the grid worker of `dispute`'s grid, 400 a link to itself, 404 another
    dispute the user cannot see, 409 a pair already linked.
    """
    check_link(dispute, by)
    other = _other(by, other_id, this_id=dispute.pk, field_name="dispute")
    low, high = sorted((dispute.pk, other.pk))
    try:
        with transaction.atomic():
            # Both rows locked in id order: no transition runs on either while they are linked.
            locked = {
                d.pk: d for d in Dispute.objects.select_for_update(of=("self",)).filter(pk__in=(low, high))
            }
            created = DisputeLink.objects.create(low_id=low, high_id=high, kind=kind, created_by=by)
            for this, that in ((dispute.pk, other.pk), (other.pk, dispute.pk)):
                record_event(locked[this], EVENT, by, payload={"kind": kind, "dispute": _named(locked[that])})
    except IntegrityError as exc:
        raise ServiceError(_("These disputes are linked already."), code="conflict", status=409) from exc
    return created


def resolve_reject(dispute: Dispute, by: User | None, payload: dict) -> dict:
    """`reject` with `duplicate_of` (an id): the original must be another dispute the worker sees.

    The payload recorded on the timeline then names the original by id and reference (the value
    is replaced in place), so the claimant's notice and the timeline can quote its reference.
    """
    if payload.get("duplicate_of") is not None:
        original = _other(by, payload["duplicate_of"], this_id=dispute.pk, field_name="duplicate_of")
        payload["duplicate_of"] = _named(original)
    return {"reason": payload["reason"], "referral_advice": payload.get("referral_advice", "")}


def on_reject(dispute: Dispute, event: DisputeEvent) -> None:
    """A duplicate is linked to its original, which records the link on its own timeline."""
    original = event.payload.get("duplicate_of")
    if not original:
        return
    low, high = sorted((dispute.pk, original["id"]))
    existing = DisputeLink.objects.select_for_update().filter(low_id=low, high_id=high).first()
    if existing:
        existing.kind = DisputeLink.Kind.DUPLICATE
        existing.save(update_fields=["kind"])
    else:
        DisputeLink.objects.create(
            low_id=low, high_id=high, kind=DisputeLink.Kind.DUPLICATE, created_by=event.actor
        )
    target = Dispute.objects.get(pk=original["id"])
    record_event(
        target, EVENT, event.actor, payload={"kind": DisputeLink.Kind.DUPLICATE, "dispute": _named(dispute)}
    )


def register() -> None:
    """Called from DisputesConfig.ready()."""
    labels.register({EVENT: gettext_lazy("Linked to another dispute")})
    hooks.RESOLVERS["reject"] = resolve_reject
    hooks.after("reject")(on_reject)
