"""The inbox page /notifications/: notices newest first, mark read, channel preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import services

PAGE_SIZE = 25


class PreferenceForm(forms.Form):
    sms = forms.BooleanField(label=gettext_lazy("SMS"), required=False)
    email = forms.BooleanField(label=gettext_lazy("Email"), required=False)


@login_required
def inbox(request):
    page = Paginator(services.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    pref = services.preference_for(request.user)
    form = PreferenceForm(initial={"sms": pref.sms, "email": pref.email})
    return render(request, "notifications/inbox.html", {"page_obj": page, "form": form})


@login_required
@require_POST
def open_notification(request, pk: int):
    """Mark one notice read and go to what it is about (another user's notice: 404)."""
    row = services.mark_read(get_object_or_404(services.inbox(request.user), pk=pk))
    if row.dispute_id:
        return redirect("disputes:detail", row.dispute_id)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request):
    services.mark_all_read(request.user)
    return redirect("notifications:inbox")


@login_required
@require_POST
def preferences(request):
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.set_preference(request.user, sms=form.cleaned_data["sms"], email=form.cleaned_data["email"])
        messages.success(request, _("Your notification settings are saved."))
    return redirect("notifications:inbox")
