"""API of related disputes (docs/features/intake.md): the list with reasons, and links.

A duplicate is marked through the `reject` transition with `duplicate_of` (disputes.payloads).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import related
from .api import visible_dispute
from .models import DisputeLink


class ReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["claimant_phone", "respondent_phone", "place", "text"])
    detail = serializers.CharField()
    score = serializers.FloatField(required=False)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.score is None:
            data.pop("score")
        return data


class RelatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    reasons = ReasonSerializer(many=True)
    linked = serializers.BooleanField()


class RelatedListSerializer(serializers.Serializer):
    results = RelatedSerializer(many=True)


class LinkInput(serializers.Serializer):
    dispute = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=[DisputeLink.Kind.RELATED], default=DisputeLink.Kind.RELATED)


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    disputes = serializers.SerializerMethodField()
    created_by = serializers.IntegerField(source="created_by_id")
    created_at = serializers.DateTimeField()

    def get_disputes(self, link: DisputeLink) -> list[int]:
        return [link.low_id, link.high_id]


class RelatedView(APIView):
    """GET: staff in charge of the dispute (403 for others who see it, 404 for the rest)."""

    @extend_schema(responses={200: RelatedListSerializer})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        related.check_see(dispute, request.user)
        return Response(
            {"results": RelatedSerializer(related.related_to(dispute, request.user), many=True).data}
        )


class LinkView(APIView):
    """POST {dispute, kind: "related"}: the grid worker links two disputes."""

    @extend_schema(request=LinkInput, responses={201: LinkSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        related.check_link(dispute, request.user)  # 403 before the body is read
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = related.link(
            dispute, data.validated_data["dispute"], by=request.user, kind=data.validated_data["kind"]
        )
        return Response(LinkSerializer(created).data, status=status.HTTP_201_CREATED)
