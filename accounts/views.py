"""Sign up, phone verification and password reset. Signing in and out are Django's own auth
views; signing in lands each role on its work (roles.landing_url)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from core.crypto import blind_index
from core.errors import ServiceError

from . import privacy, reset, roles, services, text_size
from .forms import PasswordResetConfirmForm, PasswordResetForm, SignUpForm, VerifyForm
from .lockout import client_ip, throttled_page
from .models import PrivacyAcceptance, User
from .phones import mask_phone

# The phone just registered, so the verify page can fill it in.
PHONE_KEY = "verify_phone"
PENDING_USER_KEY = "verify_user"
# What the password-reset request named, so the confirmation page can fill it in.
RESET_LOGIN_KEY = "reset_login"
BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInView(LoginView):
    """Django's sign-in; a safe `next` still wins (Django checks host and scheme), otherwise
    each staff role lands on its work and a resident on their disputes."""

    def get_default_redirect_url(self) -> str:
        return roles.landing_url(self.request.user)


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def _add_service_error(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def signup(request):
    if request.user.is_authenticated:
        return redirect("disputes:mine")
    if refused := throttled_page(request, "signup"):
        return refused
    form = SignUpForm(request.POST or None)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "privacy_notice"}
        try:
            with transaction.atomic():
                user = services.register_user(language=_language(), **data)
                # The box is required: the notice shown beside it is the current version.
                privacy.accept(
                    user, privacy.current_version(), via=PrivacyAcceptance.Via.SIGN_UP, ip=client_ip(request)
                )
        except ServiceError as exc:
            _add_service_error(form, exc)
        else:
            request.session[PHONE_KEY] = user.phone
            request.session[PENDING_USER_KEY] = user.pk
            messages.success(
                request, _("We sent a 6-digit code to %(phone)s.") % {"phone": mask_phone(user.phone)}
            )
            return redirect("accounts:verify")
    return render(request, "accounts/signup.html", {"form": form, "version": privacy.current_version()})


def verify(request):
    """Check the SMS code, then sign the account in; or send a fresh code ("resend")."""
    if refused := throttled_page(request, "verify"):
        return refused
    resend = "resend" in request.POST
    user = request.user
    initial = {"phone": request.session.get(PHONE_KEY) or (user.phone if user.is_authenticated else "")}
    form = VerifyForm(request.POST or None, initial=initial, resend=resend)
    if form.is_valid():
        try:
            if resend:
                return _resend(request, form.cleaned_data["phone"])
            user = services.verify_phone(form.cleaned_data["phone"], form.cleaned_data["code"])
        except ServiceError as exc:
            _add_service_error(form, exc)
        else:
            login(request, user, backend=BACKEND)
            request.session.pop(PHONE_KEY, None)
            request.session.pop(PENDING_USER_KEY, None)
            messages.success(request, _("Your phone number is verified."))
            return redirect("disputes:mine")
    return render(request, "accounts/verify.html", {"form": form})


def _resend(request, phone: str):
    # Only the account that signed up in this browser (or is signed in) gets a new code;
    # the same answer either way, so nothing leaks.
    pending = request.session.get(PENDING_USER_KEY) or (
        request.user.pk if request.user.is_authenticated else None
    )
    waiting = User.objects.filter(pk=pending, phone_index=blind_index(phone)).first() if pending else None
    if waiting is not None:
        services.resend_verification(waiting)
    request.session[PHONE_KEY] = phone
    messages.info(request, _("If this number awaits verification, a code is on its way."))
    return redirect("accounts:verify")


def password_reset(request):
    """Step 1: a username or phone; a code goes to the account's verified phone, if any."""
    if request.user.is_authenticated:
        return redirect("disputes:mine")
    if refused := throttled_page(request, "password-reset"):
        return refused
    form = PasswordResetForm(request.POST or None)
    if form.is_valid():
        reset.request_reset(form.cleaned_data["login"])
        request.session[RESET_LOGIN_KEY] = form.cleaned_data["login"]
        messages.info(request, reset.SENT)
        return redirect("accounts:password-reset-confirm")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_confirm(request):
    """Step 2: the code and a new password; then every sign-in of the account has ended."""
    if request.user.is_authenticated:
        return redirect("disputes:mine")
    if refused := throttled_page(request, "password-reset-confirm"):
        return refused
    form = PasswordResetConfirmForm(
        request.POST or None, initial={"login": request.session.get(RESET_LOGIN_KEY)}
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            reset.reset_password(data["login"], data["code"], data["new_password"], request=request)
        except ServiceError as exc:
            _add_service_error(form, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(RESET_LOGIN_KEY, None)
            messages.success(request, reset.DONE)
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@require_POST
def set_language(request):
    """Switch the page language and, for a signed-in user, remember it for SMS and notices."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        services.set_language(request.user, request.POST.get("language", ""))
    return response


@require_POST
def set_text_size(request):
    """The "large text" switch: a plain form post (back to the page) or, from static/js/access.js,
    a JSON answer (docs/features/accessibility.md). Anything but "1" or "0" is a 400."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    on = text_size.parse(request.POST.get("large_text"))
    if on is None:
        message = _("Choose large or normal text.")
        if wants_json:
            body = {"detail": message, "code": "invalid", "errors": {"large_text": [message]}}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    if request.user.is_authenticated:
        text_size.set_large_text(request.user, on)
    response = (
        JsonResponse({"large_text": on}) if wants_json else HttpResponseRedirect(text_size.safe_next(request))
    )
    text_size.remember(response, on)
    return response
