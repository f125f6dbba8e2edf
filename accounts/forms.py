"""Forms for signing up and verifying a phone number."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User
from .phones import ascii_digits, normalize_phone

PHONE_ATTRS = {"type": "tel", "inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"}


class PhoneField(forms.CharField):
    """A mainland mobile number, normalised to its 11 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile phone"))
        super().__init__(max_length=20, widget=forms.TextInput(attrs=PHONE_ATTRS), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else value


PASSWORD_HELP = _("At least 8 characters, not only digits, not a common password.")


def new_password_field(label, help_text: str = "") -> forms.CharField:
    """A password the user chooses (sign-up, reset): kept as typed, offered to password managers."""
    return forms.CharField(
        label=label,
        max_length=128,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PlainForm(forms.Form):
    """Labels sit above their fields, so they need no trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SignUpForm(PlainForm):
    username = forms.RegexField(
        r"^[\w.@+-]{3,150}$",
        max_length=150,
        label=_("Username"),
        help_text=_("3 or more letters, digits or @ . + - _"),
        error_messages={"invalid": _("Use 3 or more letters, digits or @ . + - _")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = new_password_field(_("Password"), help_text=PASSWORD_HELP)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=100,
        help_text=_("Your real name, as on your ID card: agreements must name the parties."),
    )
    phone = PhoneField(
        help_text=_("We send a 6-digit code to this number; it is how disputes that name you reach you.")
    )
    email = forms.EmailField(
        label=_("Email (optional)"), required=False, help_text=_("Only for notices by email.")
    )
    privacy_notice = forms.BooleanField(
        label=_("I have read the privacy notice and accept it."),
        error_messages={"required": _("Accept the privacy notice to create an account.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("username") and data.get("password"):
            person = User(username=data["username"], full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(data["password"], person)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class CodeField(forms.RegexField):
    """A 6-digit SMS code; digits of any script are read as ASCII (accounts.phones)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("error_messages", {"invalid": _("Enter the 6-digit code.")})
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
        )
        super().__init__(r"^[0-9]{6}\Z", **kwargs)

    def to_python(self, value):
        return ascii_digits(super().to_python(value))


class VerifyForm(PlainForm):
    phone = PhoneField()
    code = CodeField()

    def __init__(self, *args, resend: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Asking for a fresh code needs only the phone.
        self.fields["code"].required = not resend


class PasswordResetForm(PlainForm):
    login = forms.CharField(
        label=_("Username or mobile phone"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class PasswordResetConfirmForm(PasswordResetForm):
    code = CodeField()
    new_password = new_password_field(_("New password"), help_text=PASSWORD_HELP)
    new_password2 = new_password_field(_("New password again"))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password2") != data["new_password"]:
            self.add_error("new_password2", _("The two passwords differ."))
        return data
