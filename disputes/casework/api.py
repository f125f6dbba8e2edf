"""Requests for information over HTTP: the case handler asks a party, the party answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes.api import visible_dispute
from disputes.models import InfoRequest
from disputes.permissions import IsCaseHandler

from . import info_requests


class InfoRequestSerializer(serializers.ModelSerializer):
    asked_by = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue")
    late = serializers.BooleanField(source="answered_late")

    class Meta:
        model = InfoRequest
        fields = ["id", "party", "question", "due_at", "asked_by", "asked_at", "answer", "answered_at",
                  "overdue", "late"]  # fmt: skip

    def get_asked_by(self, r: InfoRequest) -> dict:
        return {"id": r.asked_by_id, "name": r.asked_by.display_name}


class AskInput(serializers.Serializer):
    party = serializers.ChoiceField(choices=InfoRequest.Party.choices, label=_("Ask"))
    question = serializers.CharField(max_length=2000, label=_("Question"))
    due_at = serializers.DateTimeField(label=_("Answer by"))


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, label=_("Your answer"))


class InfoRequestListView(APIView):
    permission_classes = [IsAuthenticated, IsCaseHandler]

    @extend_schema(responses={200: InfoRequestSerializer(many=True)})
    def get(self, request, pk: int):
        """Staff see every request; a party sees the ones addressed to them."""
        dispute = visible_dispute(request, pk)
        return Response(
            InfoRequestSerializer(info_requests.requests_visible_to(dispute, request.user), many=True).data
        )

    @extend_schema(request=AskInput, responses={201: InfoRequestSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        self.check_object_permissions(request, dispute)
        data = AskInput(data=request.data)
        data.is_valid(raise_exception=True)
        asked = info_requests.ask_for_information(dispute.pk, by=request.user, **data.validated_data)
        return Response(InfoRequestSerializer(asked).data, status=status.HTTP_201_CREATED)


class InfoAnswerView(APIView):
    @extend_schema(request=AnswerInput, responses={200: InfoRequestSerializer})
    def post(self, request, pk: int, request_id: int):
        dispute = visible_dispute(request, pk)
        info_requests.check_answerer(dispute, request_id, request.user)
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        answered = info_requests.answer_information_request(
            dispute.pk, request_id, by=request.user, answer=data.validated_data["answer"]
        )
        return Response(InfoRequestSerializer(answered).data)
