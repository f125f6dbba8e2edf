"""The cockpit page (数字驾驶舱), GET /api/v1/stats/ and the list exports.

Cockpit and stats are for grid workers and case handlers (and superusers): they see every
dispute of their region subtrees, so each figure equals the list it links to. Mediators see
only their own cases and get their caseload page instead.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.forms import PlainForm
from accounts.models import Region
from core.errors import ServiceError

from . import exports, selectors, stats
from .api import NO_DEADLINE, parse_filters
from .models import Category


# --- filters --------------------------------------------------------------------------------
class StatsParams(serializers.Serializer):
    region = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    category = serializers.SlugField(required=False)

    def validate(self, data):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise serializers.ValidationError({"to": [_("The end of the period is before its start.")]})
        return data


def _scope_filters(user, region_id, start, end, category) -> stats.Filters:
    """403 when the region lies outside the viewer's regions, 404 when there is no such region."""
    region = None
    if region_id:
        region = Region.objects.filter(pk=region_id).first()
        if region is None:
            raise ServiceError(_("Not found."), code="not_found", status=404)
    try:
        regions = stats.scope(user, region)
    except stats.NotInScope as exc:
        raise ServiceError(
            _("This region is outside your area."), code="permission_denied", status=403
        ) from exc
    return stats.Filters(regions=regions, start=start, end=end, category=category)


class StatsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("region", int),
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
            OpenApiParameter("category", str),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        if not stats.may_view(request.user):
            raise ServiceError(
                _("The cockpit is for grid and case staff."), code="permission_denied", status=403
            )
        raw = {k: request.query_params[k] for k in ("region", "category") if k in request.query_params}
        raw.update(
            {
                n: request.query_params[k]
                for k, n in (("from", "start"), ("to", "end"))
                if k in request.query_params
            }
        )
        params = StatsParams(data=raw)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = _scope_filters(
            request.user, data.get("region"), data.get("start"), data.get("end"), data.get("category")
        )
        return Response(stats.as_json(stats.figures(filters)))


# --- the page -------------------------------------------------------------------------------
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
            for root in stats.staff_regions(user):
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


@login_required
def cockpit(request):
    if not stats.may_view(request.user):
        raise PermissionDenied
    form = CockpitForm(request.GET, user=request.user)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    # A region outside the viewer's area is refused (403), not silently widened.
    region = request.GET.get("region", "")
    try:
        filters = _scope_filters(
            request.user, int(region) if region.isdigit() else None, data.get("start"), data.get("end"),
            data["category"].slug if data.get("category") else None,
        )  # fmt: skip
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        raise PermissionDenied from exc
    fig = stats.figures(filters)
    p = filters.params
    states = [(label, fig.by_state[value], _link(p(state=[value]))) for value, label in _state_choices()]
    context = {
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
    }
    return render(request, "disputes/cockpit/cockpit.html", context)


def _state_choices():
    from .models import Dispute

    return Dispute.State.choices


# --- exports --------------------------------------------------------------------------------
class ExportView(APIView):
    """CSV or XLSX of the dispute list (same filters) or of the caller's queue; staff only."""

    queue = False

    def perform_content_negotiation(self, request, force=False):
        # `format` names the file type here, not a DRF renderer; errors are JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        kind = request.query_params.get("format", "csv")
        if kind not in ("csv", "xlsx"):
            raise ServiceError(_("Choose csv or xlsx."), code="invalid", field="format")
        if not (request.user.is_superuser or roles.staff_roles(request.user)):
            raise ServiceError(_("Exports are for staff."), code="permission_denied", status=403)
        if self.queue:
            qs = (
                selectors.queue_for(request.user)
                .annotate(due_sort=Coalesce("due_at", Value(NO_DEADLINE, output_field=DateTimeField())))
                .order_by(F("due_sort").asc(), "id")
            )
            name = "queue"
        else:
            qs = selectors.dispute_list(request.user, **parse_filters(request))
            name = "disputes"
        name = f"{name}-{timezone.localdate():%Y%m%d}"
        return exports.csv_response(qs, name) if kind == "csv" else exports.xlsx_response(qs, name)
