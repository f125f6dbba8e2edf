"""Raising risk alerts (disputes.reports.risk finds them), telling the street's case handlers,
and reading the open ones within a viewer's scope (docs/features/cockpit.md "Risk alerts").

Each alert is raised once: its fingerprint is unique, and the alert, its disputes and its
notices are written in one transaction, so a second run (or two at once) adds nothing. A
repeat-respondent alert that is still open when the same respondent's window moves on is
extended (its new disputes added, its window's end moved) instead of being raised again.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from accounts import roles
from accounts.models import Region, StaffRole
from disputes.models import Category, Dispute, RiskAlert
from notifications.services import Recipient, notify

from . import risk
from .scope import Filters

API_LIMIT = 100

TEXT = {
    RiskAlert.Kind.RISE: "risk_rise",
    RiskAlert.Kind.REPEAT_RESPONDENT: "risk_repeat_respondent",
    RiskAlert.Kind.REPEAT_AFTER_SETTLEMENT: "risk_after_settlement",
}


def evaluate(today: date | None = None) -> list[RiskAlert]:
    """Run the rules for `today` (default: the local date) and raise the new alerts."""
    today = today or timezone.localdate()
    raised = []
    for candidate in risk.candidates(today):
        alert = raise_alert(candidate)
        if alert is not None:
            raised.append(alert)
    return raised


def raise_alert(c: risk.Candidate) -> RiskAlert | None:
    """Write the alert, its disputes and its notices; None when it exists already (or, for a
    repeat respondent, extends the open alert of the same street and respondent)."""
    with transaction.atomic():
        if c.kind == RiskAlert.Kind.REPEAT_RESPONDENT and _extend(c):
            return None
        if RiskAlert.objects.filter(fingerprint=c.fingerprint).exists():
            return None
        try:
            with transaction.atomic():
                alert = RiskAlert.objects.create(
                    kind=c.kind, region_id=c.street_id, grid_id=c.grid_id, category_id=c.category_id,
                    window_start=c.window_start, window_end=c.window_end, figures=c.figures,
                    subject=c.subject, fingerprint=c.fingerprint, opened_at=timezone.now(),
                )  # fmt: skip
        except IntegrityError:  # raised by a run at the same moment
            return None
        alert.disputes.add(*c.dispute_ids)
        notify_handlers(alert, c)
        return alert


def _extend(c: risk.Candidate) -> bool:
    """Add the new disputes to an open alert of the same respondent and street whose window
    overlaps this one; True when there is one (nobody is told again)."""
    alert = (
        RiskAlert.objects.select_for_update()
        .filter(
            kind=c.kind,
            region_id=c.street_id,
            subject=c.subject,
            acknowledged_at=None,
            window_end__gte=c.window_start,
        )  # fmt: skip
        .order_by("-window_end")
        .first()
    )
    if alert is None:
        return False
    alert.disputes.add(*c.dispute_ids)
    alert.window_end = max(alert.window_end, c.window_end)
    alert.figures = {**alert.figures, "count": alert.disputes.count()}
    alert.save(update_fields=["window_end", "figures"])
    return True


def handlers_of(street: Region) -> list:
    """The active case handlers of the street itself (not the district's)."""
    return roles.staff_over(street, StaffRole.Role.CASE_HANDLER, depth=Region.DEPTH[Region.Kind.STREET])


def notify_handlers(alert: RiskAlert, c: risk.Candidate) -> None:
    street = Region.objects.get(pk=c.street_id)
    grid = Region.objects.filter(pk=c.grid_id).first() if c.grid_id else None
    category = Category.objects.filter(pk=c.category_id).first() if c.category_id else None
    values = {
        "street_zh": street.name, "street_en": street.name_en or street.name,
        "grid_zh": grid.name if grid else "", "grid_en": (grid.name_en or grid.name) if grid else "",
        "category_zh": category.name if category else "", "category_en": category.name_en if category else "",
        "count": c.figures.get("count", len(c.dispute_ids)), "baseline": c.figures.get("baseline", ""),
        "n": len(c.dispute_ids),
    }  # fmt: skip
    text = TEXT[alert.kind]
    notify(
        [Recipient.for_user(u, text) for u in handlers_of(street)],
        kind="risk_alert", values=values, link=alert.get_absolute_url(),
    )  # fmt: skip


# --- reading ----------------------------------------------------------------------------------------
def in_scope(filters: Filters) -> QuerySet[RiskAlert]:
    """Alerts that involve a dispute of the scope's grids (all for a superuser's whole view)."""
    qs = RiskAlert.objects.all()
    if filters.regions:
        involved = RiskAlert.disputes.through.objects.filter(
            riskalert_id=OuterRef("pk"), dispute__grid_id__in=filters.grid_ids
        )
        qs = qs.filter(Exists(involved))
    return qs


def open_in_scope(filters: Filters, limit: int = 50) -> list[RiskAlert]:
    """The open alerts in scope, newest first, each with its disputes in scope (`shown`):
    three queries whatever their number."""
    mine = Dispute.objects.order_by("pk").only("pk", "reference", "grid_id", "title", "state")
    if filters.regions:
        mine = mine.filter(grid_id__in=filters.grid_ids)
    return list(
        in_scope(filters)
        .filter(acknowledged_at=None)
        .select_related("region", "grid", "category")
        .prefetch_related(Prefetch("disputes", queryset=mine, to_attr="shown"))[:limit]
    )


def acknowledge(alert: RiskAlert, user) -> RiskAlert:
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), user
        RiskAlert.objects.filter(pk=alert.pk, acknowledged_at=None).update(
            acknowledged_at=alert.acknowledged_at, acknowledged_by=user
        )
    return alert


def as_json(alert: RiskAlert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "label": str(alert.get_kind_display()),
        "region": {"id": alert.region_id, "name": alert.region.display_name()},
        "grid": {"id": alert.grid_id, "name": alert.grid.display_name()} if alert.grid_id else None,
        "category": alert.category.slug if alert.category_id else None,
        "window": {"from": alert.window_start, "to": alert.window_end},
        "figures": {k: v for k, v in alert.figures.items() if k != "history"},
        "opened_at": alert.opened_at,
        "disputes": [{"id": d.pk, "reference": d.reference} for d in alert.shown],
        "link": alert.get_absolute_url(),
    }
