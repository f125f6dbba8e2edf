"""The cockpit page (数字驾驶舱, docs/features/cockpit.md): what it shows, decided and built
apart from the view.

`cockpit_filters` decides (the form, the scope, 403/404 as ServiceError); `cockpit_context`
builds the figures and the links of every number to the list whose row count equals it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.forms import PlainForm
from accounts.models import Region
from core.errors import ServiceError
from disputes.models import Category, Dispute
from disputes.selfhelp.services import walk_counts

from . import alerts, scope, stats, trends


def scope_filters(user, region_id, start, end, category) -> scope.Filters:
    """403 when the region lies outside the viewer's regions, 404 when there is no such region."""
    region = None
    if region_id:
        region = Region.objects.filter(pk=region_id).first()
        if region is None:
            raise ServiceError(_("Not found."), code="not_found", status=404)
    try:
        regions = scope.scope(user, region)
    except scope.NotInScope as exc:
        raise ServiceError(
            _("This region is outside your area."), code="permission_denied", status=403
        ) from exc
    return scope.Filters(regions=regions, start=start, end=end, category=category)


class CockpitForm(PlainForm):
    region = forms.ChoiceField(label=_("Area"), required=False)
    start = forms.DateField(
        label=_("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Filed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="slug", required=False,
        empty_label=_("Any category"),
    )  # fmt: skip

    def __init__(self, data, *, user):
        # The period fields are called from/to in the query string, like the lists'.
        data = {"region": data.get("region"), "start": data.get("from"), "end": data.get("to"),
                "category": data.get("category")}  # fmt: skip
        super().__init__(data)
        areas = Region.objects.exclude(kind=Region.Kind.GRID)
        if not user.is_superuser:
            inside = Q(pk__in=[])
            for root in scope.staff_regions(user):
                inside |= Q(path__startswith=root.path)
            areas = areas.filter(inside)
        self.fields["region"].choices = [("", _("All my area"))] + [
            (r.pk, "\u00a0" * 2 * r.depth + r.display_name()) for r in areas.order_by("path")
        ]


def _link(params: dict) -> str:
    return reverse("disputes:queue") + "?" + urlencode(params, doseq=True) + "#area"


def _bars(items: list[tuple[str, int, str]], width: int = 320) -> dict:
    """Horizontal bars for an SVG chart: label, value, link, and the bar's length."""
    top = max((n for _, n, _ in items), default=0) or 1
    return {
        "rows": [
            {"label": label, "value": n, "href": href, "y": i * 26, "w": int(width * n / top)}
            for i, (label, n, href) in enumerate(items)
        ],
        "height": max(len(items), 1) * 26,
        "width": width,
    }


def cockpit_filters(user, params) -> tuple[CockpitForm, scope.Filters]:
    """The form and the figures' filters of a query string. A region outside the viewer's
    area is refused (ServiceError 403), not silently widened; an unknown one is 404."""
    form = CockpitForm(params, user=user)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    region = params.get("region", "")
    filters = scope_filters(
        user, int(region) if region.isascii() and region.isdigit() and len(region) <= 19 else None, data.get("start"), data.get("end"),
        data["category"].slug if data.get("category") else None,
    )  # fmt: skip
    return form, filters


def cockpit_context(form: CockpitForm, filters: scope.Filters) -> dict:
    """The page's context: the figures, their links, the charts."""
    fig = stats.figures(filters)
    p = filters.params
    states = [(label, fig.by_state[value], _link(p(state=[value]))) for value, label in Dispute.State.choices]
    return {
        "form": form,
        "fig": fig,
        "links": {
            "total": _link(p()),
            "overdue": _link(p(overdue="true")),
            "resolved": _link(p(state=list(stats.RESOLVED))),
            "settled": _link(p(settled="true")),
            "rated": _link(p(rating="any")),
            "low_rated": _link(p(rating="low")),
        },
        "state_chart": _bars([s for s in states if s[1]] or states[:1]),
        "category_chart": _bars(
            [
                (c["category"].display_name, c["count"], _link(p(category=c["category"].slug)))
                for c in fig.categories
            ]
        ),
        "grid_chart": _bars(
            [(g["grid"].display_name(), g["total"], _link(p(grid=g["grid"].pk))) for g in fig.grids]
        ),
        "grids": [
            {
                **g,
                "links": {
                    "total": _link(p(grid=g["grid"].pk)),
                    "open": _link(p(grid=g["grid"].pk, state=stats.OPEN_STATES)),
                    "overdue": _link(p(grid=g["grid"].pk, overdue="true")),
                    "resolved": _link(p(grid=g["grid"].pk, state=list(stats.RESOLVED))),
                },
            }
            for g in fig.grids
        ],
        "resolution_pct": None if fig.resolution_rate is None else round(fig.resolution_rate * 100, 1),
        "low_pct": None if fig.low_share is None else round(fig.low_share * 100, 1),
        "export_query": urlencode(p(), doseq=True),
        "selfhelp": walk_counts(filters.start, filters.end, filters.category),
        **risk_context(filters),
    }


def risk_context(filters: scope.Filters) -> dict:
    """The open risk alerts in scope and the trend charts (docs/features/cockpit.md)."""

    def days(a, b) -> str:
        return _link(filters.params(**{"from": a.isoformat(), "to": b.isoformat()}))

    return {
        "risk_alerts": alerts.open_in_scope(filters),
        "week_chart": trends.chart(trends.trend(filters, "week"), _("Filings per week"), days),
        "month_chart": trends.chart(trends.trend(filters, "month"), _("Filings per month"), days),
    }
