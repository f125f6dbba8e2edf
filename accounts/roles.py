"""Who holds which staff role over which part of the region tree: the one home of these rules.

A user's roles are read once per user object and cached on it, so permission checks
for a page or a list cost one query however many disputes they look at.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.shortcuts import resolve_url

from .models import Region, StaffRole, User


def staff_roles(user) -> list[tuple[str, str, int]]:
    """[(role, region path, region depth)] for a signed-in user."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_staff_roles_cache", None)
    if cached is None:
        cached = [
            (role, path, Region.DEPTH[kind])
            for role, path, kind in StaffRole.objects.filter(user=user).values_list(
                "role", "region__path", "region__kind"
            )
        ]
        user._staff_roles_cache = cached
    return cached


def has_role(user, role: str) -> bool:
    return any(r == role for r, _, _ in staff_roles(user))


def holds_role_over(user, role: str, region: Region, *, max_depth: int | None = None) -> bool:
    """True if the user holds `role` on a node covering `region` (at depth ≤ max_depth)."""
    if not getattr(user, "is_active", False):
        return False
    return any(
        r == role and region.path.startswith(path) and (max_depth is None or depth <= max_depth)
        for r, path, depth in staff_roles(user)
    )


def grids_of(user, *roles: str, path: str | None = None) -> list[int]:
    """Ids of the grids under the user's regions for these roles (or under one `path`).

    Ids, not a subquery or a path match, so lists and queues can use the (grid, ...)
    indexes; cached on the user object like the roles.
    """
    paths = [path] if path else sorted({p for r, p, _ in staff_roles(user) if r in roles})
    if not paths:
        return []
    cache = user.__dict__.setdefault("_grids_cache", {})
    key = tuple(paths)
    if key not in cache:
        cache[key] = grids_in(paths)
    return cache[key]


def grids_in(paths) -> list[int]:
    """Ids of the grids under any of these region paths."""
    q = Q(pk__in=[])
    for prefix in paths:
        q |= Q(path__startswith=prefix)
    return list(Region.objects.filter(q, kind=Region.Kind.GRID).values_list("pk", flat=True))


def staff_grids(user) -> list[int]:
    """The grids under the regions where the user is a grid worker or case handler."""
    return grids_of(user, StaffRole.Role.GRID_WORKER, StaffRole.Role.CASE_HANDLER)


def staff_over(
    region: Region, role: str, *, max_depth: int | None = None, depth: int | None = None
) -> list[User]:
    """Active users holding `role` on `region` or a node above it, ordered by id.

    `max_depth` keeps the nodes down to that depth (a dispute's level), `depth` one depth only.
    """
    nodes = [
        pk
        for d, pk in enumerate(region.ancestor_ids())
        if (max_depth is None or d <= max_depth) and (depth is None or d == depth)
    ]
    holders = StaffRole.objects.filter(role=role, region_id__in=nodes)
    return list(User.objects.filter(is_active=True, pk__in=holders.values("user_id")).order_by("pk"))


def office_of(user, role: str, region: Region) -> Region | None:
    """The deepest node covering `region` where the user holds `role` (their office for it)."""
    covering = [path for r, path, _ in staff_roles(user) if r == role and region.path.startswith(path)]
    return Region.objects.filter(path=max(covering, key=len)).first() if covering else None


# Where each staff role's work is after sign-in (docs/features/desk.md), in this order for
# a user with several roles: intake comes first (its deadline is the shortest), then the
# mediator's caseload, then the case handler's list. Residents go to their disputes.
LANDING = (
    (StaffRole.Role.GRID_WORKER, "disputes:queue", "?state=filed"),
    (StaffRole.Role.MEDIATOR, "mediation-pool:caseload", ""),
    (StaffRole.Role.CASE_HANDLER, "cases:list", ""),
)


def landing_url(user) -> str:
    """The page a user lands on after signing in, when no safe `next` says otherwise."""
    held = {role for role, _, _ in staff_roles(user)}
    for role, page, query in LANDING:
        if role in held:
            return resolve_url(page) + query
    return resolve_url(settings.LOGIN_REDIRECT_URL)
