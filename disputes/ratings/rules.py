"""Who may rate and who supervises (docs/features/ratings.md): reads, no writes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404

from accounts import roles
from accounts.models import Region, StaffRole, User
from disputes.models import Dispute, Rating, Review

RATEABLE = (Dispute.State.SETTLED, Dispute.State.CLOSED)
SUPERVISOR_DEPTH = Region.DEPTH[Region.Kind.STREET]


def review_sla() -> timedelta:
    return getattr(settings, "REVIEW_SLA", timedelta(days=5))


def rating_parties(dispute: Dispute, user) -> list:
    """The parties `user` may rate for, as (party, capacity): their own party and those they
    represent with an approved authorisation, each while the dispute still concerns it
    (PartyRoles.concerned: a claimant who withdrew or a respondent who declined, while others
    of their side took part, does not rate)."""
    mine = dispute.acting_for(user)
    concerned = {p.pk for side in {p.side for p, _ in mine} for p in dispute.concerned(side)}
    return [(party, capacity) for party, capacity in mine if party.pk in concerned]


def party_of(dispute: Dispute, user) -> str | None:
    """The side the user rates for (the first of their parties), None for anyone else."""
    if not (dispute.is_claimant(user) or dispute.is_respondent(user)):
        return None
    mine = rating_parties(dispute, user)
    return mine[0][0].side if mine else None


def unrated(dispute: Dispute, user) -> list:
    """The user's parties that have not rated yet, as (party, capacity)."""
    rated = {r.dispute_party_id for r in dispute.ratings.all()}
    return [(party, capacity) for party, capacity in rating_parties(dispute, user) if party.pk not in rated]


def may_rate(dispute: Dispute, user) -> bool:
    """Whether to offer the rating form: a party, the right state, not rated yet (display only)."""
    return dispute.state in RATEABLE and party_of(dispute, user) is not None and bool(unrated(dispute, user))


def my_rating(dispute: Dispute, user) -> Rating | None:
    """The rating given for the first of the user's parties that has one."""
    ratings = {r.dispute_party_id: r for r in dispute.ratings.all()}
    return next((ratings[p.pk] for p, _ in rating_parties(dispute, user) if p.pk in ratings), None)


def supervisors(dispute: Dispute) -> list[User]:
    """Active case handlers at street level whose street covers the dispute's grid."""
    return roles.staff_over(dispute.grid, StaffRole.Role.CASE_HANDLER, depth=SUPERVISOR_DEPTH)


def is_supervisor(user, dispute: Dispute) -> bool:
    """A case handler at street level (or above, like take_case) whose region covers the grid."""
    return roles.holds_role_over(user, StaffRole.Role.CASE_HANDLER, dispute.grid, max_depth=SUPERVISOR_DEPTH)


def supervisor_paths(user) -> list[str]:
    """The region paths where the user supervises: case handler at street level or above."""
    return [
        p
        for r, p, depth in roles.staff_roles(user)
        if r == StaffRole.Role.CASE_HANDLER and depth <= SUPERVISOR_DEPTH
    ]


def may_see_reviews(user) -> bool:
    """The reviews list and page: superusers and supervisors anywhere."""
    return user.is_superuser or bool(supervisor_paths(user))


def reviews_for(user) -> QuerySet[Review]:
    """The reviews a supervisor may read and answer: disputes in grids under their
    street- or district-level case handler roles; unanswered first, soonest due."""
    paths = supervisor_paths(user)
    if user.is_superuser:
        qs = Review.objects.all()
    elif paths:
        grids = set()
        for path in paths:
            grids.update(roles.grids_of(user, path=path))
        qs = Review.objects.filter(dispute__grid_id__in=sorted(grids))
    else:
        qs = Review.objects.none()
    # Unanswered (answered_at NULL) first on every database, then the soonest due.
    return qs.select_related("dispute", "rating", "answered_by", "followup").order_by(
        F("answered_at").asc(nulls_first=True), "due_at", "id"
    )


def low_raters(dispute: Dispute) -> list[User]:
    return [r.by for r in dispute.ratings.select_related("by").filter(score__lte=Rating.LOW)]


def visible_review(user, review_id: int) -> Review:
    """404 unless the user supervises the review's grid (existence never leaks)."""
    return get_object_or_404(reviews_for(user), pk=review_id)
