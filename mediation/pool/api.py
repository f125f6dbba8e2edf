"""The pool's API (docs/api.md): the ranked candidates, assignment history, recusal, availability."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ServiceError
from disputes.api import visible_dispute

from ..models import Assignment, MediatorProfile, RecusalRequest
from ..permissions import DisputeView, signed_in_and
from . import ranking, recusal, services
from .permissions import SeesRanking
from .reasons import describe


def candidate_payload(candidate: ranking.Candidate, rank: int | None = None) -> dict:
    data = candidate.as_dict(rank)
    data["summary"] = describe(candidate.refusals or candidate.reasons)
    return data


class CandidatesView(DisputeView):
    """GET /api/v1/disputes/{id}/candidates/: the ranking with each score's breakdown (staff)."""

    permission_classes = signed_in_and(SeesRanking)

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        dispute = self.dispute(request, pk)
        result = ranking.rank(dispute)
        return Response({
            "dispute": dispute.pk,
            "level": dispute.level,
            "weights": ranking.WEIGHTS,
            "eligible": [candidate_payload(c, i) for i, c in enumerate(result.eligible, start=1)],
            "ineligible": [candidate_payload(c) for c in result.ineligible],
        })  # fmt: skip


def assignment_payload(a: Assignment) -> dict:
    return {
        "id": a.pk,
        "mediator": {"id": a.mediator_id, "name": a.mediator.display_name},
        "method": a.method,
        "assigned_by": {"id": a.assigned_by_id, "name": a.assigned_by.display_name}
        if a.assigned_by
        else None,
        "rank": a.rank,
        "candidates": a.candidates,
        "why": describe(a.reasons),
        "assigned_at": a.assigned_at,
        "accepted_at": a.accepted_at,
        "ended_at": a.ended_at,
        "end_reason": a.end_reason or None,
    }


class AssignmentsView(APIView):
    """Who was assigned, by whom, at what rank and why: visible to everyone who sees the dispute."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        assignments = dispute.assignments.select_related("mediator", "assigned_by")
        flag = getattr(dispute, "assignment_flag", None) if dispute.state == "awaiting_mediator" else None
        return Response({
            "assignments": [assignment_payload(a) for a in assignments],
            "unassignable": {"reason": flag.reason, "details": flag.details, "at": flag.at} if flag else None,
        })  # fmt: skip


class RecusalInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


def recusal_payload(r: RecusalRequest) -> dict:
    return {
        "id": r.pk,
        "mediator": {"id": r.mediator_id, "name": r.mediator.display_name},
        "requested_by": {"id": r.requested_by_id, "name": r.requested_by.display_name},
        "reason": r.reason,
        "status": r.status,
        "decision_note": r.decision_note,
        "created_at": r.created_at,
        "decided_at": r.decided_at,
    }


class RecusalListView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        recusals = dispute.recusals.select_related("mediator", "requested_by")
        return Response([recusal_payload(r) for r in recusals])

    @extend_schema(request=RecusalInput, responses={201: dict})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        data = RecusalInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = recusal.request_recusal(dispute, by=request.user, reason=data.validated_data["reason"])
        return Response(recusal_payload(made), status=status.HTTP_201_CREATED)


class RecusalDecisionView(APIView):
    @extend_schema(request=DecisionInput, responses={200: dict})
    def post(self, request, pk: int, recusal_id: int):
        dispute = visible_dispute(request, pk)
        get_object_or_404(dispute.recusals, pk=recusal_id)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decided = recusal.decide_recusal(recusal_id, by=request.user, **data.validated_data)
        return Response(recusal_payload(decided))


class AvailabilityInput(serializers.Serializer):
    on_leave_from = serializers.DateField(allow_null=True, required=False)
    on_leave_until = serializers.DateField(allow_null=True, required=False)


class MyAvailabilityView(APIView):
    """A mediator reads and sets their own leave."""

    def _profile(self, request) -> MediatorProfile:
        profile = MediatorProfile.objects.filter(user=request.user).first()
        if profile is None:
            raise ServiceError(str(_("You have no mediator profile.")), code="not_found", status=404)
        return profile

    def _payload(self, profile: MediatorProfile) -> dict:
        return {
            "on_leave_from": profile.on_leave_from,
            "on_leave_until": profile.on_leave_until,
            "on_leave_now": profile.on_leave(),
            "max_caseload": profile.max_caseload,
            "active": profile.active,
        }

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(self._payload(self._profile(request)))

    @extend_schema(request=AvailabilityInput, responses={200: dict})
    def put(self, request):
        profile = self._profile(request)
        data = AvailabilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_availability(
            profile,
            on_leave_from=data.validated_data.get("on_leave_from"),
            on_leave_until=data.validated_data.get("on_leave_until"),
        )
        return Response(self._payload(profile))
