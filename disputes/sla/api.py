"""The home visit over the API (docs/api.md): a grid worker records the visit the ladder asked for."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes.api import visible_dispute
from disputes.serializers import EventSerializer

from .home_visit import record_home_visit


class HomeVisitSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, trim_whitespace=True)


class HomeVisitView(APIView):
    """A grid worker records the home visit the respondent ladder asked for (disputes.sla)."""

    @extend_schema(request=HomeVisitSerializer, responses={201: EventSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        data = HomeVisitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = record_home_visit(dispute.pk, by=request.user, note=data.validated_data["note"])
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)
