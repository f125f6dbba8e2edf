"""Who holds which staff role over which part of the region tree.

A user's roles are read once per user object and cached on it, so permission checks
for a page or a list cost one query however many disputes they look at.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Region, StaffRole


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


def staff_grids(user) -> QuerySet[Region]:
    """The grids under the regions where the user is a grid worker or case handler."""
    paths = [
        path
        for role, path, _ in staff_roles(user)
        if role in (StaffRole.Role.GRID_WORKER, StaffRole.Role.CASE_HANDLER)
    ]
    if not paths:
        return Region.objects.none()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return Region.objects.filter(q, kind=Region.Kind.GRID).values("pk")
