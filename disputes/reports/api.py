"""GET /api/v1/stats/ (the cockpit's figures), the list exports and the de-identified research
export (docs/api.md)."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import client_ip
from core import audit
from core.errors import ServiceError
from core.models import AuditEntry
from disputes import reveals, selectors
from disputes.filters import DisputeFilter
from disputes.permissions import ExportFormat, MayViewCockpit

from . import alerts, exports, research, stats
from .cockpit import scope_filters


class StatsParams(serializers.Serializer):
    region = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    category = serializers.SlugField(required=False)

    def validate(self, data):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise serializers.ValidationError({"to": [_("The end of the period is before its start.")]})
        return data


class StatsView(APIView):
    permission_classes = [IsAuthenticated, MayViewCockpit]

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
        filters = scope_filters(
            request.user, data.get("region"), data.get("start"), data.get("end"), data.get("category")
        )
        return Response(stats.as_json(stats.figures(filters)))


def _audit_export(request, target: str, data: dict) -> None:
    audit.record(
        AuditEntry.Action.EXPORT, actor=request.user, target=target, data=data, ip=client_ip(request)
    )


class ExportView(APIView):
    """CSV or XLSX of the dispute list (same filters) or of the caller's queue; for the cockpit's
    viewers (grid workers, case handlers, superusers), not mediators (docs/security.md).

    Phones masked; `reveal_reason` (a reveal reason code) and `reveal_text` show them in full on
    the rows of disputes the exporter's role covers. One `export` audit entry per export."""

    queue = False
    permission_classes = [IsAuthenticated, ExportFormat, MayViewCockpit]

    def perform_content_negotiation(self, request, force=False):
        # `format` names the file type here, not a DRF renderer; errors are JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "xlsx"]),
            OpenApiParameter("reveal_reason", str, enum=list(reveals.REASONS)),
            OpenApiParameter("reveal_text", str),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        kind = request.query_params.get("format", "csv")  # checked by ExportFormat
        reveal = "reveal_reason" in request.query_params
        code = text = ""
        if reveal:
            code, text = reveals.check_reason(
                request.query_params.get("reveal_reason"), request.query_params.get("reveal_text", "")
            )
        if self.queue:
            qs = selectors.queue_by_deadline(request.user).order_by(F("due_sort").asc(), "id")
            name = "queue"
        else:
            qs = DisputeFilter.strict(request.query_params, selectors.dispute_list(request.user))
            name = "disputes"
        data = {"format": kind, "rows": qs.count(), "revealed": reveal}
        if reveal:
            data.update(reason=code, text=text)
        _audit_export(request, name, data)
        lines = exports.rows(qs, request.user, reveal)
        return exports.response(kind, exports.header(), lines, f"{name}-{timezone.localdate():%Y%m%d}")


class ResearchExportView(ExportView):
    """The de-identified export (disputes.reports.research): the dispute list's filters, regions
    at `level` (district, street, community or grid)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["csv", "xlsx"]),
            OpenApiParameter("level", str, enum=list(research.LEVELS)),
        ],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        kind = request.query_params.get("format", "csv")
        level = request.query_params.get("level", "community")
        if level not in research.LEVELS:
            raise ServiceError(
                _("Choose district, street, community or grid."), code="invalid", field="level"
            )
        params = request.query_params.copy()
        params.pop("level", None)
        qs = DisputeFilter.strict(params, selectors.dispute_list(request.user))
        _audit_export(
            request, "research", {"format": kind, "rows": qs.count(), "revealed": False, "level": level}
        )
        name = f"research-{timezone.localdate():%Y%m%d}"
        return exports.response(kind, research.header(level), research.rows(qs, level), name)


class RiskAlertParams(serializers.Serializer):
    region = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class RiskAlertsView(APIView):
    """GET /api/v1/risk-alerts/?region=: the open risk alerts that involve a dispute of the
    caller's area (or of one region inside it), newest first, at most 100; each lists only its
    disputes in that area (docs/features/cockpit.md "Risk alerts")."""

    permission_classes = [IsAuthenticated, MayViewCockpit]

    @extend_schema(parameters=[OpenApiParameter("region", int)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        params = RiskAlertParams(
            data={k: request.query_params[k] for k in ("region",) if k in request.query_params}
        )
        params.is_valid(raise_exception=True)
        filters = scope_filters(request.user, params.validated_data.get("region"), None, None, None)
        found = alerts.open_in_scope(filters, limit=alerts.API_LIMIT)
        return Response({"count": len(found), "results": [alerts.as_json(a) for a in found]})
