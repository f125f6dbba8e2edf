"""Versions, walks and the filing prefill of the guided self-help (docs/features/self-help.md)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Max, Q

from disputes.models import Guide, GuideVersion, GuideWalk

from . import content as fmt

SESSION_TOKEN = "selfhelp_token"
STARTS_PER_HOUR = 60  # walks a client address may start in an hour (a kiosk in a community centre)
MAX_STEPS = 50  # a walk longer than this is a loop in the content: it stops


# --- versions ------------------------------------------------------------------------------
def publish(guide: Guide, content: dict, *, by=None) -> tuple[GuideVersion, bool]:
    """Save `content` as the guide's next version unless it equals the current one.
    Returns (version, created). Raises content.ContentError when the content is malformed."""
    fmt.validate(content)
    with transaction.atomic():
        Guide.objects.select_for_update().filter(pk=guide.pk).first()  # versions are numbered in turn
        current = guide.versions.order_by("-number").first()
        if current is not None and current.content == content:
            return current, False
        number = (guide.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        return GuideVersion.objects.create(guide=guide, number=number, content=content, created_by=by), True


# --- who owns a walk -------------------------------------------------------------------------
def _browser_hash(request, *, create: bool) -> str:
    """A hash of a random token kept in this browser's session (it survives signing in, which
    keeps the session's data under a new key)."""
    token = request.session.get(SESSION_TOKEN)
    if not token:
        if not create:
            return ""
        token = request.session[SESSION_TOKEN] = secrets.token_urlsafe(32)
    return hashlib.sha256(token.encode()).hexdigest()


def walks_of(request):
    """The walks this request may see: the signed-in user's, or this browser's."""
    mine = Q(pk__in=[])
    if request.user.is_authenticated:
        mine |= Q(user=request.user)
    browser = _browser_hash(request, create=False)
    if browser:
        mine |= Q(session_hash=browser, user__isnull=True)
        if request.user.is_authenticated:
            mine |= Q(session_hash=browser, user=request.user)
    return GuideWalk.objects.filter(mine).select_related("version__guide__category")


def own_walk(request, walk_id) -> GuideWalk | None:
    """The walk `walk_id` if this request owns it, else None (malformed ids too)."""
    text = str(walk_id or "")
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return walks_of(request).filter(pk=int(text)).first()


def start(request, guide: Guide) -> GuideWalk:
    version = guide.current()
    fresh = walks_of(request).filter(version=version, answers=[], dispute__isnull=True).first()
    if fresh is not None:  # pressing Start twice does not pile up empty walks
        return fresh
    user = request.user if request.user.is_authenticated else None
    # Signed-in walks are owned by the user; the browser hash lets an anonymous walk carry on
    # after signing in.
    return GuideWalk.objects.create(
        version=version, user=user, session_hash=_browser_hash(request, create=True)
    )


# --- walking -------------------------------------------------------------------------------
def position(walk: GuideWalk, steps: int | None = None) -> tuple[str | None, str | None]:
    """(question id, outcome id) reached after the first `steps` answers (all by default)."""
    c = walk.version.content
    qid, outcome = c["start"], None
    for question, index in walk.answers[: len(walk.answers) if steps is None else steps]:
        option = c["questions"][question]["options"][index]
        qid, outcome = option.get("next"), option.get("outcome")
    return qid, outcome


def answer(walk: GuideWalk, step: int, option: int) -> GuideWalk:
    """Answer the question at `step` (0 = the first) with option `option`; later answers are
    dropped (the resident went back). ValueError when step or option do not exist."""
    if walk.dispute_id is not None:
        raise ValueError("filed")
    if not 0 <= step <= len(walk.answers) or step >= MAX_STEPS:
        raise ValueError("step")
    qid, _outcome = position(walk, step)
    if qid is None:
        raise ValueError("step")
    options = walk.version.content["questions"][qid]["options"]
    if not 0 <= option < len(options):
        raise ValueError("option")
    walk.answers = [*walk.answers[:step], [qid, option]]
    walk.outcome = options[option].get("outcome") or ""
    walk.save(update_fields=["answers", "outcome"])
    return walk


def answered(walk: GuideWalk) -> list[dict]:
    """The questions and the chosen options, in the page's language."""
    qs = walk.version.content["questions"]
    return [
        {"question": fmt.t(qs[q]["text"]), "answer": fmt.t(qs[q]["options"][i]["label"])}
        for q, i in walk.answers
    ]


def outcome_of(walk: GuideWalk) -> dict | None:
    return walk.version.content["outcomes"].get(walk.outcome) if walk.outcome else None


def letter_of(walk: GuideWalk, key: str) -> dict | None:
    outcome = outcome_of(walk) or {}
    return next((x for x in outcome.get("letters") or [] if x.get("key") == key), None)


# --- filing --------------------------------------------------------------------------------
def prefill(walk: GuideWalk, amount: str | None = None) -> dict:
    """Initial values of the filing form from a finished walk that offers mediation; `amount`
    (the outcome page's optional field) when it is a sensible sum of yuan."""
    outcome = outcome_of(walk)
    if outcome is None or not outcome.get("mediation"):
        return {}
    lines = [f"{a['question']} — {a['answer']}" for a in answered(walk)]
    initial = {
        "title": f"{walk.version.guide.display_title}: {fmt.t(outcome['title'])}"[:200],
        "category": walk.version.guide.category_id,
        "description": "\n".join(lines)[:10000],
    }
    try:
        value = Decimal(str(amount or "").strip()[:16])
    except InvalidOperation:
        value = None
    if value is not None and value.is_finite() and 0 <= value < Decimal("1e10"):
        initial["amount_claimed"] = value.quantize(Decimal("0.01"))
    return initial


def link_dispute(walk: GuideWalk, dispute) -> None:
    """The walk led to this filing (called once the filing has committed)."""
    GuideWalk.objects.filter(pk=walk.pk, dispute__isnull=True).update(dispute=dispute)


def walk_counts(
    start: date | None = None, end: date | None = None, category: str | None = None
) -> list[dict]:
    """Per guide: walks started, walks that reached an outcome, and of those how many were filed
    and how many ended without a filing, for walks started between `start` and `end` (dates in
    the site's time zone, both included). One query."""
    walks = Q()
    if start:
        walks &= Q(versions__walks__created_at__date__gte=start)
    if end:
        walks &= Q(versions__walks__created_at__date__lte=end)
    ended = walks & ~Q(versions__walks__outcome="")
    guides = Guide.objects.select_related("category")
    if category:
        guides = guides.filter(category__slug=category)
    rows = guides.annotate(
        started=Count("versions__walks", filter=walks),
        ended=Count("versions__walks", filter=ended),
        filed=Count("versions__walks", filter=ended & Q(versions__walks__dispute__isnull=False)),
    ).order_by("position", "slug")
    return [
        {
            "guide": g,
            "started": g.started,
            "ended": g.ended,
            "filed": g.filed,
            "without_filing": g.ended - g.filed,
        }
        for g in rows
    ]
