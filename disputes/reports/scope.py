"""Whose figures: the cockpit's viewers, the regions they cover, the filters of a figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from accounts import roles
from accounts.models import Region, StaffRole


class NotInScope(Exception):
    """The region asked for is outside the viewer's regions."""


@dataclass
class Filters:
    regions: list[Region]  # the scope's root nodes; empty: everything (superusers only)
    start: date | None = None
    end: date | None = None
    category: str | None = None

    @cached_property
    def grid_ids(self) -> list[int]:
        return roles.grids_in([r.path for r in self.regions])

    def params(self, **extra) -> dict:
        """Query parameters of the dispute list that counts a figure (disputes.filters.DisputeFilter names)."""
        out: dict = {"region": [r.pk for r in self.regions]} if self.regions else {}
        if self.start:
            out["from"] = self.start.isoformat()
        if self.end:
            out["to"] = self.end.isoformat()
        if self.category:
            out["category"] = self.category
        out.update(extra)
        return out


def staff_regions(user) -> list[Region]:
    """The top region nodes where the user is a grid worker or case handler (cockpit viewers)."""
    wanted = (StaffRole.Role.GRID_WORKER, StaffRole.Role.CASE_HANDLER)
    paths = sorted({p for r, p, _ in roles.staff_roles(user) if r in wanted})
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return list(Region.objects.filter(path__in=tops).order_by("path"))


def may_view(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(staff_regions(user)))


def scope(user, region: Region | None) -> list[Region]:
    """The nodes the figures cover: the chosen region, which must lie within the user's own."""
    own = [] if user.is_superuser else staff_regions(user)
    if region is None:
        return own
    if user.is_superuser or any(region.path.startswith(r.path) for r in own):
        return [region]
    raise NotInScope(region.pk)
