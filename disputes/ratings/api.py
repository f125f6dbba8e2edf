"""Ratings and supervisor reviews over the API (docs/api.md); disputes.ratings.services does the work."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes.api import visible_dispute
from disputes.permissions import IsParty, IsSupervisor

from . import rules, services
from .serializers import RatingInput, RatingSerializer, ReviewAnswerInput, review_data


class RatingView(APIView):
    permission_classes = [IsAuthenticated, IsParty]

    @extend_schema(request=RatingInput, responses={201: RatingSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        self.check_object_permissions(request, dispute)
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.rate(dispute, by=request.user, **data.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class ReviewListView(APIView):
    """GET /api/v1/reviews/: the caller's reviews, unanswered first, soonest due (supervisors)."""

    permission_classes = [IsAuthenticated, IsSupervisor]

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response({"results": [review_data(r) for r in rules.reviews_for(request.user)[:200]]})


class ReviewAnswerView(APIView):
    @extend_schema(request=ReviewAnswerInput, responses={200: dict})
    def post(self, request, review_id: int):
        review = rules.visible_review(request.user, review_id)
        data = ReviewAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.answer_review(review, by=request.user, **data.validated_data)
        return Response(review_data(rules.visible_review(request.user, review.pk)))


class ReviewFollowupView(APIView):
    @extend_schema(request=None, responses={201: dict})
    def post(self, request, review_id: int):
        review = rules.visible_review(request.user, review_id)
        followup = services.open_followup(review, by=request.user)
        return Response(
            {
                "id": followup.pk,
                "reference": followup.reference,
                "state": followup.state,
                "follows": review.dispute_id,
            },
            status=status.HTTP_201_CREATED,
        )
