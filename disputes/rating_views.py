"""Ratings and supervisor reviews over the API and on the pages (disputes.ratings does the work)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.forms import PlainForm
from core.errors import ServiceError

from . import ratings
from .api import visible_dispute
from .models import Dispute, Rating, Review


# --- serializers ----------------------------------------------------------------------------
class RatingInput(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)

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


# --- API ------------------------------------------------------------------------------------
class RatingView(APIView):
    @extend_schema(request=RatingInput, responses={201: RatingSerializer})
    def post(self, request, pk: int):
        dispute = visible_dispute(request, pk)
        if ratings.party_of(dispute, request.user) is None:
            raise ServiceError(
                _("Only the parties can rate a dispute."), code="permission_denied", status=403
            )
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = ratings.rate(dispute, by=request.user, **data.validated_data)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class ReviewListView(APIView):
    """GET /api/v1/reviews/: the caller's reviews, unanswered first, soonest due (supervisors)."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        if not (request.user.is_superuser or _is_supervisor_anywhere(request.user)):
            raise ServiceError(_("Reviews are for supervisors."), code="permission_denied", status=403)
        return Response({"results": [review_data(r) for r in ratings.reviews_for(request.user)[:200]]})


def _is_supervisor_anywhere(user) -> bool:
    from accounts import roles

    return any(
        r == "case_handler" and depth <= ratings.SUPERVISOR_DEPTH for r, _, depth in roles.staff_roles(user)
    )


def _visible_review(request, review_id: int) -> Review:
    """404 unless the caller supervises the review's grid (existence never leaks)."""
    return get_object_or_404(ratings.reviews_for(request.user), pk=review_id)


class ReviewAnswerView(APIView):
    @extend_schema(request=ReviewAnswerInput, responses={200: dict})
    def post(self, request, review_id: int):
        review = _visible_review(request, review_id)
        data = ReviewAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = ratings.answer_review(review, by=request.user, **data.validated_data)
        return Response(review_data(_visible_review(request, review.pk)))


class ReviewFollowupView(APIView):
    @extend_schema(request=None, responses={201: dict})
    def post(self, request, review_id: int):
        review = _visible_review(request, review_id)
        followup = ratings.open_followup(review, by=request.user)
        return Response(
            {
                "id": followup.pk,
                "reference": followup.reference,
                "state": followup.state,
                "follows": review.dispute_id,
            },
            status=status.HTTP_201_CREATED,
        )


def dispute_rating_fields(dispute: Dispute, user) -> dict:
    """What the dispute detail adds: the caller's rating, whether they may rate, the review's answer."""
    party = ratings.party_of(dispute, user)
    mine = next((r for r in dispute.ratings.all() if r.party == party), None) if party else None
    review = Review.objects.filter(dispute=dispute).select_related("answered_by").first()
    return {
        "can_rate": ratings.may_rate(dispute, user),
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


# --- pages ----------------------------------------------------------------------------------
class RatingForm(PlainForm):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how this dispute was handled?"),
        choices=[
            (5, gettext_lazy("5 · very satisfied")),
            (4, gettext_lazy("4 · satisfied")),
            (3, gettext_lazy("3 · neutral")),
            (2, gettext_lazy("2 · dissatisfied")),
            (1, gettext_lazy("1 · very dissatisfied")),
        ],  # fmt: skip
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(PlainForm):
    finding = forms.ChoiceField(
        label=gettext_lazy("Finding"), choices=Review.Finding.choices, widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label=gettext_lazy("Written answer to the resident"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    followup = forms.BooleanField(
        label=gettext_lazy("Open a follow-up dispute (only when handled badly)"), required=False
    )


@require_POST
@login_required
def rate_page(request, pk: int):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a score from 1 to 5."))
    else:
        try:
            ratings.rate(dispute, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: your rating is recorded."))
    return redirect(reverse("disputes:detail", args=[pk]) + "#rating")


@login_required
def reviews_page(request):
    if not (request.user.is_superuser or _is_supervisor_anywhere(request.user)):
        raise PermissionDenied
    page = Paginator(ratings.reviews_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "disputes/reviews.html", {"page_obj": page, "form": AnswerForm()})


@require_POST
@login_required
def answer_page(request, review_id: int):
    review = _visible_review(request, review_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a finding and a written answer."))
    else:
        try:
            ratings.answer_review(review, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your answer is recorded and shown to the resident."))
    return redirect("disputes:reviews")


@require_POST
@login_required
def followup_page(request, review_id: int):
    review = _visible_review(request, review_id)
    try:
        followup = ratings.open_followup(review, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("disputes:reviews")
    messages.success(request, _("Follow-up dispute %(ref)s is filed.") % {"ref": followup.reference})
    return redirect(followup)
