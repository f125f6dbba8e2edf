"""Setting the grid of a dispute filed without one (docs/features/places.md).

A resident who does not know where their dispute belongs files it to a street: it waits in
the intake queue of every grid worker of that street (accounts.roles.grids_in) until one of
them, or staff above, sets the grid. Changing `grid_id` moves the dispute's cockpit counts by
the tally triggers on the dispute table (disputes migration 0010), in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import Region, StaffRole, User
from core import audit
from core.errors import ServiceError
from core.models import AuditEntry

from .models import Dispute
from .services import record_event


def street_of(dispute: Dispute) -> Region:
    """The street the dispute sits in (its grid's street, or the street itself while unplaced)."""
    return (
        dispute.grid
        if dispute.grid.kind == Region.Kind.STREET
        else Region.objects.get(pk=dispute.grid.street_id)
    )


def may_set_grid(dispute: Dispute, user) -> bool:
    """A grid worker of the dispute's intake (for an unplaced one: of any grid of its street), or a
    case handler whose region covers the street."""
    if dispute.is_grid_worker(user):
        return True
    return roles.holds_role_over(
        user, StaffRole.Role.CASE_HANDLER, street_of(dispute), max_depth=Region.DEPTH[Region.Kind.STREET]
    )


def may_set_grid_now(dispute: Dispute, user) -> bool:
    """Whether to offer the grid picker: while intake has not decided, to whoever may set it."""
    return dispute.state == Dispute.State.FILED and may_set_grid(dispute, user)


def grid_choices(dispute: Dispute):
    """The grids the dispute may be placed in: those of its street."""
    street = street_of(dispute)
    return Region.objects.filter(kind=Region.Kind.GRID, path__startswith=street.path).select_related("parent")


def set_grid(dispute_id: int, grid_id, *, by: User) -> Dispute:
    """Place a filed dispute in a grid of its street; records `set_grid` on the timeline and
    tells the grid's workers. 403 for someone else, 409 once intake has decided, 400 for a grid
    outside the street."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute_id)
        if not may_set_grid(dispute, by):
            raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
        if dispute.state != Dispute.State.FILED:
            raise ServiceError(
                _("The grid can only be set while the dispute waits for intake."), code="conflict", status=409
            )
        grid = grid_choices(dispute).filter(pk=grid_id).first() if str(grid_id).isdigit() else None
        if grid is None:
            raise ServiceError(_("Choose a grid of this street."), code="invalid", field="grid")
        if grid.pk == dispute.grid_id:
            return dispute
        before = dispute.grid
        dispute.grid = grid
        if dispute.place_id and dispute.place.grid_id != grid.pk:
            dispute.place = None  # a place is in one grid: the worker knows better
        dispute.save(update_fields=["grid", "place", "updated_at"])
        payload = {"from": before.pk, "from_name": before.name, "grid": grid.pk, "grid_name": grid.name}
        event = record_event(dispute, "set_grid", by, payload=payload)
        audit.record(
            AuditEntry.Action.TRANSITION, actor=by, dispute=dispute, target="set_grid",
            data={"from": before.pk, "to": grid.pk, "event": event.pk},
        )  # fmt: skip
    return dispute


def precheck_accept(dispute_id: int, by, payload: dict) -> None:
    """Intake accepts only a placed dispute: say so plainly (409) rather than "not possible now".
    The transition's `is_placed` condition still decides under the row lock."""
    dispute = Dispute.objects.select_related("grid").filter(pk=dispute_id).first()
    if dispute is not None and dispute.state == Dispute.State.FILED and not dispute.is_placed():
        raise ServiceError(
            _("Set the grid before accepting: the filer did not know where the dispute belongs."),
            code="conflict",
            status=409,
        )


def register() -> None:
    from .hooks import PRECHECKS

    PRECHECKS["accept"] = precheck_accept
