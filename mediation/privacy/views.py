"""The account-deletion page: what happens, then the password to confirm (docs/personal-data-retention.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ServiceError

from . import deletion


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my account is deleted for good and cannot be restored."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@login_required
def delete_account(request):
    refused = deletion.refusal(request.user)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            deletion.delete_account(request.user, form.cleaned_data["password"], request=request)
        except ServiceError as exc:
            form.add_error("password" if exc.field == "password" else None, exc.message)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for using Tiaojie."))
            return redirect("home")
    return render(
        request,
        "accounts/delete_account.html",
        {"form": form, "refused": refused},
        status=refused.status if refused is not None and request.method == "POST" else 200,
    )
