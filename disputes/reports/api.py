"""GET /api/v1/stats/ (the cockpit's figures) and the list exports (docs/api.md)."""

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

from disputes import selectors
from disputes.filters import DisputeFilter
from disputes.permissions import ExportFormat, MayViewCockpit

from . import exports, stats
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


class ExportView(APIView):
    """CSV or XLSX of the dispute list (same filters) or of the caller's queue; for the cockpit's
    viewers (grid workers, case handlers, superusers), not mediators (docs/security.md)."""

    queue = False
    permission_classes = [IsAuthenticated, ExportFormat, MayViewCockpit]

    def perform_content_negotiation(self, request, force=False):
        # `format` names the file type here, not a DRF renderer; errors are JSON.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        kind = request.query_params.get("format", "csv")  # checked by ExportFormat
        if self.queue:
            qs = selectors.queue_by_deadline(request.user).order_by(F("due_sort").asc(), "id")
            name = "queue"
        else:
            qs = DisputeFilter.strict(request.query_params, selectors.dispute_list(request.user))
            name = "disputes"
        name = f"{name}-{timezone.localdate():%Y%m%d}"
        return exports.csv_response(qs, name) if kind == "csv" else exports.xlsx_response(qs, name)
