"""Ratings and reviews as the API shows them (docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from disputes.models import Dispute, Rating, Review

from . import rules


class RatingInput(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    # For someone who rates for several parties: which one (default: the first not yet rated).
    party = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def to_internal_value(self, data):
        # 4.5 or "4" are not scores: only a JSON integer (or an integer form value).
        score = data.get("score") if hasattr(data, "get") else None
        if isinstance(score, float | bool):
            raise serializers.ValidationError({"score": [_("A whole number from 1 to 5.")]})
        return super().to_internal_value(data)


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "party", "score", "comment", "at"]


class ReviewAnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)
    finding = serializers.ChoiceField(choices=Review.Finding.choices)
    followup = serializers.BooleanField(required=False, default=False)


def review_data(review: Review) -> dict:
    return {
        "id": review.pk,
        "dispute": {
            "id": review.dispute_id,
            "reference": review.dispute.reference,
            "title": review.dispute.title,
        },
        "score": review.rating.score,
        "comment": review.rating.comment,
        "opened_at": review.opened_at,
        "due_at": review.due_at,
        "answer": review.answer or None,
        "finding": review.finding or None,
        "answered_by": {"id": review.answered_by_id, "name": review.answered_by.display_name}
        if review.answered_by
        else None,
        "answered_at": review.answered_at,
        "followup": {"id": review.followup_id, "reference": review.followup.reference}
        if review.followup
        else None,
    }


def dispute_rating_fields(dispute: Dispute, user) -> dict:
    """What the dispute detail adds: the caller's rating, whether they may rate, the review's answer."""
    mine = rules.my_rating(dispute, user) if rules.party_of(dispute, user) else None
    review = Review.objects.filter(dispute=dispute).select_related("answered_by").first()
    return {
        "can_rate": rules.may_rate(dispute, user),
        "my_rating": RatingSerializer(mine).data if mine else None,
        "review": None
        if review is None
        else {
            "due_at": review.due_at,
            "answered_at": review.answered_at,
            "finding": review.finding or None,
            "answer": review.answer or None,
            "answered_by": review.answered_by.display_name if review.answered_by else None,
        },
        "follows": {"id": dispute.follows_id, "reference": dispute.follows.reference}
        if dispute.follows_id
        else None,
        "followups": [{"id": d.pk, "reference": d.reference} for d in dispute.followups.order_by("pk")],
    }
