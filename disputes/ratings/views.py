"""Ratings and supervisor reviews on the pages (docs/features/ratings.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from disputes.models import Dispute

from . import rules, services
from .forms import AnswerForm, RatingForm


@require_POST
@login_required
def rate_page(request, pk: int):
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a score from 1 to 5."))
    else:
        try:
            services.rate(dispute, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: your rating is recorded."))
    return redirect(reverse("disputes:detail", args=[pk]) + "#rating")


@login_required
def reviews_page(request):
    if not rules.may_see_reviews(request.user):
        raise PermissionDenied
    page = Paginator(rules.reviews_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "disputes/reviews.html", {"page_obj": page, "form": AnswerForm()})


@require_POST
@login_required
def answer_page(request, review_id: int):
    review = rules.visible_review(request.user, review_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a finding and a written answer."))
    else:
        try:
            services.answer_review(review, by=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your answer is recorded and shown to the resident."))
    return redirect("disputes:reviews")


@require_POST
@login_required
def followup_page(request, review_id: int):
    review = rules.visible_review(request.user, review_id)
    try:
        followup = services.open_followup(review, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("disputes:reviews")
    messages.success(request, _("Follow-up dispute %(ref)s is filed.") % {"ref": followup.reference})
    return redirect(followup)
