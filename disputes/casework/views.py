"""The case handler's workspace: escalated cases, the case page and its actions (pages).

Visibility as everywhere (Dispute.objects.visible_to, 404 otherwise); the workspace itself
is for case handlers (403 for others who can see the dispute). Writes go through
disputes.services.fire and disputes.casework.info_requests.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.models import StaffRole
from core.errors import ServiceError
from disputes.forms import available_actions
from disputes.models import Dispute
from disputes.views import fire_from_post, report

from . import access, info_requests, queues, referrals
from .forms import AnswerForm, AskForm

PAGE_SIZE = 20
CASE_ACTIONS = ("take_case", "return_to_mediation", "conclude")


def _handler_only(request) -> None:
    if not (request.user.is_superuser or roles.has_role(request.user, StaffRole.Role.CASE_HANDLER)):
        raise PermissionDenied


def _case(request, pk: int) -> Dispute:
    dispute = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related(
            "category", "grid__parent", "mediator", "case_handler"
        ),
        pk=pk,
    )
    if not access.may_open_case_page(dispute, request.user):
        raise PermissionDenied
    return dispute


@login_required
def cases(request):
    """Escalated disputes I may take, and the cases I hold: soonest deadline first."""
    _handler_only(request)
    waiting = Paginator(queues.escalated_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    held = Paginator(queues.held_by(request.user), PAGE_SIZE).get_page(request.GET.get("mine"))
    return render(request, "disputes/case/list.html", {"waiting": waiting, "held": held})


@login_required
def case(request, pk: int):
    dispute = _case(request, pk)
    holds = dispute.is_assigned_handler(request.user) and dispute.state == Dispute.State.CASE_HANDLING
    actions = [a for a in available_actions(dispute, request.user) if a["name"] in CASE_ACTIONS]
    escalations = dispute.events.filter(to_state=Dispute.State.ESCALATED).exclude(
        from_state=Dispute.State.ESCALATED
    )
    context = {
        "dispute": dispute,
        "actions": actions,
        "escalation": escalations.select_related("actor").order_by("-at", "-id").first(),
        "events": dispute.events.select_related("actor"),
        "evidence": dispute.evidence.select_related("uploaded_by"),
        "requests": info_requests.requests_visible_to(dispute, request.user),
        "ask_form": AskForm(auto_id="id_ask_%s") if holds else None,
        "referral": referrals.referral(dispute),
    }
    return render(request, "disputes/case/detail.html", context)


@require_POST
@login_required
def act(request, pk: int, name: str):
    """take_case, return_to_mediation or conclude, from the workspace; back to the case page."""
    if name not in CASE_ACTIONS:
        raise Http404
    dispute = _case(request, pk)
    fire_from_post(request, dispute, name)
    return redirect("cases:case", pk=dispute.pk)


@require_POST
@login_required
def ask(request, pk: int):
    dispute = _case(request, pk)
    form = AskForm(request.POST)
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect("cases:case", pk=dispute.pk)
    try:
        info_requests.ask_for_information(dispute.pk, by=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question was sent."))
    return redirect("cases:case", pk=dispute.pk)


@require_POST
@login_required
def answer(request, pk: int, request_id: int):
    """The party asked answers on the dispute page."""
    dispute = get_object_or_404(Dispute.objects.visible_to(request.user), pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect(dispute)
    try:
        info_requests.answer_information_request(
            dispute.pk, request_id, by=request.user, answer=form.cleaned_data["answer"]
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your answer was sent to the case handler."))
    return redirect(dispute)
