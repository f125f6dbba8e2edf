"""Disputes API (docs/api.md): filing, lists, detail, transitions, timeline, evidence, queue,
reveals of personal data."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.audit import record_request
from accounts.models import User
from core.api import NewestFirst, PayloadTooLarge, SoonestDueFirst
from core.errors import ServiceError
from core.models import AuditEntry

from . import language, placing, reveals, selectors, services
from .filters import LIST_PARAMETERS, DisputeFilter
from .models import TRANSITIONS, Category, Dispute
from .parties import intake
from .payloads import PAYLOADS
from .permissions import MayChangeLanguage, MayFireTransition
from .ratings.serializers import dispute_rating_fields
from .serializers import (
    CategorySerializer,
    DisputeDetailSerializer,
    DisputeListSerializer,
    EventSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    FileDisputeSerializer,
)
from .sla import home_visit


def visible_dispute(request, pk: int, *, parties: bool = False) -> Dispute:
    """The dispute if the caller may see it; 404 otherwise (existence never leaks). `parties`:
    with its parties and their agents and guardians prefetched (the detail's `parties`)."""
    qs = Dispute.objects.visible_to(request.user).select_related(
        "category", "grid", "mediator", "case_handler"
    )
    return get_object_or_404(qs.with_parties() if parties else qs, pk=pk)


class CategoryListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CategorySerializer(many=True)})
    def get(self, request):
        return Response(CategorySerializer(Category.objects.all(), many=True).data)


class DisputeListView(generics.ListCreateAPIView):
    serializer_class = DisputeListSerializer
    pagination_class = NewestFirst
    throttle_scope = "filing"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self):
        return DisputeFilter.strict(self.request.query_params, selectors.dispute_list(self.request.user))

    @extend_schema(parameters=LIST_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=FileDisputeSerializer, responses={201: DisputeDetailSerializer})
    def post(self, request, *args, **kwargs):
        data = FileDisputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute, created = intake.file_dispute(by=request.user, **data.to_service_kwargs())
        body = DisputeDetailSerializer(
            visible_dispute(request, dispute.pk, parties=True), context={"request": request}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DisputeDetailView(APIView):
    @extend_schema(responses={200: DisputeDetailSerializer})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk, parties=True)
        body = DisputeDetailSerializer(dispute, context={"request": request}).data
        # Satisfaction: can_rate, my_rating, the supervisor's review and follow-up links.
        body.update(dispute_rating_fields(dispute, request.user))
        return Response(body)


class TransitionView(APIView):
    permission_classes = [IsAuthenticated, MayFireTransition]

    @extend_schema(request=dict, responses={200: DisputeDetailSerializer})
    def post(self, request, pk: int, name: str):
        dispute = visible_dispute(request, pk)
        if name not in TRANSITIONS or name not in PAYLOADS:
            raise ServiceError(_("Not found."), code="not_found", status=404)
        self.check_object_permissions(request, dispute)
        payload = PAYLOADS[name](data=request.data)
        payload.is_valid(raise_exception=True)
        # The caller sees the result even when it ends their access (a mediator who declines).
        dispute = services.fire(dispute.pk, name, by=request.user, payload=dict(payload.validated_data))
        return Response(DisputeDetailSerializer(dispute, context={"request": request}).data)


class LanguageInput(serializers.Serializer):
    # Never echo the input: a lone surrogate in it cannot be encoded into the answer.
    language = serializers.ChoiceField(
        choices=User.Language.choices,
        error_messages={"invalid_choice": gettext_lazy("Choose Simplified Chinese or English.")},
    )


class LanguageView(APIView):
    """POST {"language": "zh-hans" | "en"}: the documents' language (disputes.language)."""

    permission_classes = [IsAuthenticated, MayChangeLanguage]

    @extend_schema(request=LanguageInput, responses={200: DisputeDetailSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        self.check_object_permissions(request, dispute)
        data = LanguageInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = language.change(dispute, request.user, data.validated_data["language"])
        dispute = visible_dispute(request, dispute.pk)
        body = DisputeDetailSerializer(dispute, context={"request": request}).data
        body.update(dispute_rating_fields(dispute, request.user))
        return Response(body)


class GridInput(serializers.Serializer):
    grid = serializers.IntegerField(min_value=1)


class SetGridView(APIView):
    """POST {"grid": id}: place a filed dispute in a grid of its street (disputes.placing)."""

    @extend_schema(request=GridInput, responses={200: DisputeDetailSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        data = GridInput(data=request.data)
        if not placing.may_set_grid(dispute, request.user):
            raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
        data.is_valid(raise_exception=True)
        # The caller sees the result even when it moves the dispute out of their grids.
        dispute = placing.set_grid(dispute.pk, data.validated_data["grid"], by=request.user)
        body = DisputeDetailSerializer(dispute, context={"request": request}).data
        body.update(dispute_rating_fields(dispute, request.user))
        return Response(body)


class EventListView(APIView):
    @extend_schema(responses={200: EventSerializer(many=True)})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        events = dispute.events.select_related("actor")
        return Response(EventSerializer(events, many=True).data)


class EvidenceView(APIView):
    @extend_schema(responses={200: EvidenceSerializer(many=True)})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        return Response(EvidenceSerializer(dispute.evidence.select_related("uploaded_by"), many=True).data)

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: EvidenceSerializer}
    )
    def post(self, request, pk: int):
        # Refuse oversized uploads from the declared length, before reading the body.
        if services.upload_too_large(request):
            raise PayloadTooLarge()
        dispute = visible_dispute(request, pk)
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.add_evidence(
            dispute, by=request.user, upload=data.validated_data["file"],
            description=data.validated_data.get("description", ""),
        )  # fmt: skip
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDownloadView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk: int, evidence_id: int):
        dispute = visible_dispute(request, pk)
        evidence = get_object_or_404(dispute.evidence, pk=evidence_id)
        response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
        record_request(request, AuditEntry.Action.DOWNLOAD, dispute=dispute, target=f"evidence:{evidence.pk}",
                       data={"document": "evidence", "evidence_id": evidence.pk, "sha256": evidence.sha256})  # fmt: skip
        # Never rendered by the browser: an attachment, no sniffing, sandboxed if opened.
        response["Content-Disposition"] = services.attachment_header(evidence.filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


class QueueItemSerializer(DisputeListSerializer):
    """A queue line: the list fields plus the respondent ladder's "home visit due" marker and
    what else it waits for (`waits_for`, e.g. ["recusal"]: a recusal request to decide)."""

    home_visit_due = serializers.SerializerMethodField()
    waits_for = serializers.SerializerMethodField()

    class Meta(DisputeListSerializer.Meta):
        fields = [*DisputeListSerializer.Meta.fields, "home_visit_due", "waits_for"]

    def get_waits_for(self, d: Dispute) -> list[str]:
        return selectors.waits_for(d)

    def get_home_visit_due(self, d: Dispute) -> bool:
        """For the grid workers who are to visit; the parties are not told of it here."""
        return home_visit.home_visit_due(d) and home_visit.may_record_home_visit(
            d, self.context["request"].user
        )


class QueueView(generics.ListAPIView):
    serializer_class = QueueItemSerializer
    pagination_class = SoonestDueFirst

    def get_queryset(self):
        return selectors.queue_by_deadline(self.request.user)


class RevealView(APIView):
    """One field of one party in full, with a reason (disputes.reveals; docs/api.md)."""

    @extend_schema(request=dict, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        data = request.data if isinstance(request.data, dict) else {}  # a JSON list, string, null…
        reason = data.get("reason")
        if not isinstance(reason, dict):
            reveals.check_covered(dispute, request.user)
            raise ServiceError(
                _("Give a reason: a code and, for “other”, a text."), code="invalid", field="reason"
            )
        party, field = data.get("party"), data.get("field")
        value = reveals.reveal(request, dispute, party, field, reason.get("code"), reason.get("text", ""))
        return Response({"party": party, "field": field, "value": value})


class RevealPage(NewestFirst):
    ordering = "-index"


class RevealRowSerializer(serializers.Serializer):
    """One reveal as the supervisors' list shows it (disputes.reveals.rows)."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.DictField()
    dispute = serializers.DictField()
    party = serializers.CharField()
    party_name = serializers.CharField()
    field = serializers.CharField()
    masked_value = serializers.CharField()
    reason = serializers.CharField()
    text = serializers.CharField()


class RevealListView(generics.ListAPIView):
    """Reveals of the disputes in a supervisor's regions, newest first."""

    pagination_class = RevealPage
    serializer_class = RevealRowSerializer

    def get_queryset(self):
        if not reveals.may_supervise(self.request.user):
            raise ServiceError(
                _("The list of reveals is for case handlers."), code="permission_denied", status=403
            )
        return reveals.for_supervisor(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(reveals.rows(page), many=True).data)
