"""The case handler's workspace: escalated cases, the case page and its actions (pages).

Visibility as everywhere (Dispute.objects.visible_to, 404 otherwise); the workspace itself
is for case handlers (403 for others who can see the dispute). Writes go through
disputes.services.fire and disputes.casework.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.forms import PlainForm
from accounts.models import StaffRole
from core.errors import ServiceError

from . import casework, services
from .forms import available_actions
from .labels import ACTION_LABELS
from .models import Dispute, InfoRequest
from .payloads import PAYLOADS
from .views import _report

PAGE_SIZE = 20
CASE_ACTIONS = ("take_case", "return_to_mediation", "conclude")


class AskForm(PlainForm):
    party = forms.ChoiceField(label=gettext_lazy("Ask"), choices=InfoRequest.Party.choices)
    question = forms.CharField(
        label=gettext_lazy("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_at = forms.DateTimeField(
        label=gettext_lazy("Answer by"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class AnswerForm(PlainForm):
    answer = forms.CharField(
        label=gettext_lazy("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


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
    if not casework.may_open_case_page(dispute, request.user):
        raise PermissionDenied
    return dispute


@login_required
def cases(request):
    """Escalated disputes I may take, and the cases I hold: soonest deadline first."""
    _handler_only(request)
    waiting = Paginator(casework.escalated_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    held = Paginator(casework.held_by(request.user), PAGE_SIZE).get_page(request.GET.get("mine"))
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
        "requests": casework.requests_visible_to(dispute, request.user),
        "ask_form": AskForm(auto_id="id_ask_%s") if holds else None,
        "referral": casework.referral(dispute),
    }
    return render(request, "disputes/case/detail.html", context)


@require_POST
@login_required
def act(request, pk: int, name: str):
    """take_case, return_to_mediation or conclude, from the workspace; back to the case page."""
    if name not in CASE_ACTIONS:
        raise Http404
    dispute = _case(request, pk)
    payload = PAYLOADS[name](data=request.POST)
    if not payload.is_valid():
        _report(request, payload.errors, payload.fields)
    else:
        try:
            services.fire(dispute.pk, name, by=request.user, payload=dict(payload.validated_data))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[name]})
    return redirect("cases:case", pk=dispute.pk)


@require_POST
@login_required
def ask(request, pk: int):
    dispute = _case(request, pk)
    form = AskForm(request.POST)
    if not form.is_valid():
        _report(request, form.errors, form.fields)
        return redirect("cases:case", pk=dispute.pk)
    try:
        casework.ask_for_information(dispute.pk, by=request.user, **form.cleaned_data)
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
        _report(request, form.errors, form.fields)
        return redirect(dispute)
    try:
        casework.answer_information_request(
            dispute.pk, request_id, by=request.user, answer=form.cleaned_data["answer"]
        )
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your answer was sent to the case handler."))
    return redirect(dispute)
