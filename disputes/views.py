"""Server-rendered dispute pages. Writes go through disputes.services; visibility through
Dispute.objects.visible_to (404, never 403, so existence does not leak)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.models import StaffRole, User
from core.errors import ServiceError
from core.headers import allow_microphone

from . import language, placing, related_views, reveals, selectors, services
from .contacts import may_reveal
from .filters import DisputeFilter
from .forms import AreaFilterForm, EvidenceForm, FileDisputeForm, available_actions
from .labels import ACTION_LABELS
from .models import Dispute
from .parties import intake
from .parties.forms import more_respondents
from .payloads import PAYLOADS
from .provenance import respondent_notice
from .ratings.forms import RatingForm
from .ratings.serializers import dispute_rating_fields
from .reports.scope import may_view as may_view_cockpit
from .selfhelp import services as selfhelp
from .sla.forms import HomeVisitForm
from .sla.home_visit import may_record_home_visit

PAGE_SIZE = 20


def visible(request, pk: int) -> Dispute:
    return get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related(
            "category", "grid__parent", "mediator", "case_handler"
        ),
        pk=pk,
    )


@login_required
def mine(request):
    page = Paginator(selectors.dispute_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "disputes/mine.html", {"page_obj": page})


@login_required
def queue(request):
    """Staff: what waits for me (soonest deadline first), and every dispute in my area."""
    if not roles.staff_roles(request.user):
        raise PermissionDenied
    filters = AreaFilterForm(request.GET or None, user=request.user)
    waiting = selectors.queue_for(request.user).order_by(F("due_at").asc(nulls_last=True), "id")
    # The form's filters and those the cockpit's links carry (region, period, several states...);
    # malformed ones are ignored.
    area = DisputeFilter.lenient(request.GET, selectors.dispute_list(request.user))
    return render(
        request,
        "disputes/queue.html",
        {
            "queue_page": Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("qpage")),
            "area_page": Paginator(area.qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "filters": filters,
            "export_query": urlencode(area.params(), doseq=True),
            "may_export": may_view_cockpit(request.user),
        },
    )


@login_required
@allow_microphone  # the voice note recorder (templates/disputes/_voice_note_filing.html)
def file_dispute(request):
    on_behalf = roles.has_role(request.user, StaffRole.Role.GRID_WORKER)
    if not request.user.phone_verified and not on_behalf:
        return render(request, "disputes/file.html", {"needs_verification": True})
    # A self-help walk of this user or browser fills in the form (docs/features/self-help.md).
    walk = selfhelp.own_walk(request, request.POST.get("walk") or request.GET.get("walk"))
    initial = selfhelp.prefill(walk, request.GET.get("amount")) if walk and walk.dispute_id is None else {}
    if "add_respondent" in request.POST:
        # One more respondent's fields, nothing filed yet (works without JavaScript).
        form = FileDisputeForm(initial=request.POST.dict(), on_behalf=on_behalf)
        more = more_respondents(request.POST, add=True)
        return render(request, "disputes/file.html", {"form": form, "more": more, "on_behalf": on_behalf})
    form = FileDisputeForm(request.POST or None, request.FILES or None, on_behalf=on_behalf, initial=initial)
    more = more_respondents(request.POST or None)
    if form.is_valid() and (not more.is_bound or more.is_valid()):
        kwargs = form.service_kwargs()
        if others := [f.as_party() for f in more.forms if more.is_bound and f.has_changed()]:
            kwargs["more_parties"] = [*kwargs.get("more_parties", []), *others]
        try:
            dispute, created = intake.file_dispute(by=request.user, **kwargs)
        except ServiceError as exc:
            form.add_error(form.field_for(exc.field), exc.message)
        else:
            if created:
                if initial:
                    selfhelp.link_dispute(walk, dispute)
                _attach(request, dispute, form.cleaned_data["evidence"])
                messages.success(request, _("Dispute %(ref)s is filed.") % {"ref": dispute.reference})
            else:
                messages.info(request, _("You had already filed this dispute; here it is."))
            return redirect(dispute)
    return render(
        request,
        "disputes/file.html",
        {"form": form, "more": more, "on_behalf": on_behalf, "walk": initial and walk},
    )


def _attach(request, dispute: Dispute, uploads) -> None:
    for upload in uploads:
        try:
            services.add_evidence(dispute, by=request.user, upload=upload)
        except ServiceError as exc:
            messages.warning(
                request,
                _("%(file)s was not attached: %(reason)s") % {"file": upload.name, "reason": exc.message},
            )


@login_required
def detail(request, pk: int):
    return render(request, "disputes/detail.html", detail_context(request, visible(request, pk)))


def detail_context(request, dispute: Dispute, revealed: dict | None = None) -> dict:
    return {
        "revealed": revealed,
        "dispute": dispute,
        "events": dispute.events.select_related("actor"),
        "evidence": dispute.evidence.select_related("uploaded_by"),
        "actions": available_actions(dispute, request.user),
        "evidence_form": EvidenceForm(),
        "rating": dispute_rating_fields(dispute, request.user),
        "rating_form": RatingForm(),
        "home_visit_form": HomeVisitForm() if may_record_home_visit(dispute, request.user) else None,
        "respondent_notice": respondent_notice(dispute, request.user),
        "language_choices": User.Language.choices if language.may_change_now(dispute, request.user) else None,
        "grid_choices": placing.grid_choices(dispute)
        if placing.may_set_grid_now(dispute, request.user)
        else None,
        "related_panel": related_views.panel(request, dispute),
    }


@require_POST
@login_required
def reveal(request, pk: int):
    """The dispute page again, with the one field asked for shown in this response only."""
    dispute = visible(request, pk)
    if not may_reveal(dispute, request.user):
        raise PermissionDenied
    party, field = request.POST.get("party"), request.POST.get("field")
    try:
        value = reveals.reveal(
            request, dispute, party, field, request.POST.get("reason"), request.POST.get("text")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        response = render(
            request, "disputes/detail.html", detail_context(request, dispute), status=exc.status
        )
    else:
        revealed = {"party": party, "field": field, "value": value}
        response = render(request, "disputes/detail.html", detail_context(request, dispute, revealed))
    response["Cache-Control"] = "no-store"
    return response


def fire_from_post(request, dispute: Dispute, name: str) -> None:
    """Validate the posted payload of transition `name` and fire it; the outcome as a message."""
    payload = PAYLOADS[name](data=request.POST)
    if not payload.is_valid():
        report(request, payload.errors, payload.fields)
        return
    try:
        services.fire(dispute.pk, name, by=request.user, payload=dict(payload.validated_data))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[name]})


@require_POST
@login_required
def transition(request, pk: int, name: str):
    dispute = visible(request, pk)
    if name not in PAYLOADS:
        raise Http404
    fire_from_post(request, dispute, name)
    # A mediator who declines, or a claimant who withdraws, may no longer see the dispute.
    if not Dispute.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("disputes:mine")
    return redirect(dispute)


@require_POST
@login_required
def set_grid(request, pk: int):
    """The grid picker on the dispute page of a dispute waiting for intake (disputes.placing)."""
    dispute = visible(request, pk)
    try:
        placing.set_grid(dispute.pk, request.POST.get("grid", ""), by=request.user)
    except ServiceError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
        return redirect(dispute)
    messages.success(request, _("The grid is set."))
    if not Dispute.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("disputes:queue")
    return redirect(dispute)


@require_POST
@login_required
def change_language(request, pk: int):
    """The documents' language, from the small form on the dispute page (disputes.language)."""
    dispute = visible(request, pk)
    try:
        language.change(dispute, request.user, request.POST.get("language", ""))
    except ServiceError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The language of the documents is saved."))
    return redirect(dispute)


@require_POST
@login_required
def upload_evidence(request, pk: int):
    dispute = visible(request, pk)
    # Refuse oversized uploads from the declared length, before reading the body.
    try:
        too_large = services.upload_too_large(request)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(dispute)
    if too_large:
        messages.error(request, _("The file is larger than 20 MB."))
        return redirect(dispute)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        report(request, form.errors, form.fields)
        return redirect(dispute)
    data = form.cleaned_data
    try:
        services.add_evidence(dispute, by=request.user, upload=data["file"], description=data["description"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file was added to the evidence."))
    return redirect(dispute)


def report(request, errors: dict, fields: dict) -> None:
    """Validation errors as messages, each prefixed with its field's label."""
    for field, problems in errors.items():
        text = " ".join(str(p) for p in problems)
        label = fields[field].label if field in fields else None
        messages.error(
            request, _("%(field)s: %(errors)s") % {"field": label, "errors": text} if label else text
        )
