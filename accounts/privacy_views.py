"""The privacy notice page (/privacy/): public to read; where a signed-in user accepts it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import privacy
from .lockout import client_ip
from .models import PrivacyAcceptance


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "disputes:mine"


def notice(request):
    user = request.user
    asking = privacy.needs_acceptance(user)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not asking:
            return redirect(_next(request))
        version = request.POST.get("version", "")
        if request.POST.get("accept") != "on":
            messages.error(request, _("Tick the box to accept the privacy notice, or sign out."))
        elif version != privacy.current_version():
            messages.error(
                request, _("The privacy notice has changed while you were reading it: read it again.")
            )
        else:
            privacy.accept(user, version, via=PrivacyAcceptance.Via.PAGE, ip=client_ip(request))
            messages.success(request, _("Thank you: your acceptance of the privacy notice is recorded."))
            return redirect(_next(request))
    return render(
        request,
        "accounts/privacy.html",
        {
            "notice": privacy.notice_html(),
            "version": privacy.current_version(),
            "asking": asking,
            "previous": user.privacy_notice_version if user.is_authenticated else "",
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )
