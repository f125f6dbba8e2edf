"""Password reset by an SMS code to the account's verified phone (docs/security.md).

One implementation behind the page and the API. The code is an ordinary phone code of
purpose `reset` (accounts.services: one per minute and 5 an hour per phone, 5 wrong
guesses per code and 10 per phone an hour, single use, 10 minutes). Neither step tells
whether an account exists: the request always ends the same way, and the confirmation
answers "wrong or expired code" for a login that names no account.
"""

from __future__ import annotations

from functools import partial

from axes.utils import reset as reset_lockout
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from core.crypto import blind_index
from core.errors import ServiceError
from core.sms import send_sms

from .models import PhoneCode, User
from .phones import normalize_phone
from .services import check_phone_code, send_phone_code

RESET = PhoneCode.Purpose.RESET
# What the page and the API answer to a request (whatever happened) and to a reset.
SENT = gettext_lazy("If an account with a verified phone matches, a code is on its way to that phone.")
DONE = gettext_lazy("Your password was changed. Sign in with the new one.")


def find_account(login: str) -> User | None:
    """The active account with a verified phone that `login` names: by phone, else by username."""
    login = (login or "").strip()
    accounts = User.objects.filter(is_active=True, phone_verified=True).exclude(phone="")
    try:
        phone = normalize_phone(login)
    except ValidationError:
        phone = None
    user = accounts.filter(phone_index=blind_index(phone)).first() if phone else None
    return user or accounts.filter(username=login).first()


def request_reset(login: str) -> None:
    """Text a reset code to the verified phone of the account `login` names, if there is one.

    Nothing tells the caller whether a code went: no account, an unverified phone and the
    per-phone limits all return the same, after hashing once as sending a code does.
    """
    user = find_account(login)
    if user is not None:
        try:
            with transaction.atomic():
                send_phone_code(user.phone, purpose=RESET, language=user.language, user=user)
            return
        except ServiceError:
            pass  # too many codes for this phone lately: refused without saying so
    make_password(login)


def reset_password(login: str, code: str, new_password: str, *, request: HttpRequest) -> User:
    """Set the new password if `code` is the live reset code of the account `login` names.

    Raises ValidationError {"new_password": [...]} for a password Django's validators refuse,
    ServiceError `invalid_code` for a wrong, used or expired code or a login naming no
    account. `request` is the one asking (django-axes reads it when the user is signed out).
    """
    # Judged first without the account, so a weak password is refused alike whether it exists.
    _validate(new_password, User(username=(login or "").strip()[:150]))
    user = find_account(login)
    with transaction.atomic():
        issued = check_phone_code(user.phone, code, purpose=RESET) if user is not None else None
        if issued is not None and issued.user_id == user.pk:
            # Judged again against the account (too like its name?); refusing rolls the code back.
            _validate(new_password, user)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            end_sign_ins(user, request)
            transaction.on_commit(partial(_notify, user.phone, user.language))
            return user
    # Outside the block: a wrong guess stays counted against the code and the phone.
    raise ServiceError(_("The code is wrong or has expired."), code="invalid_code", field="code")


def end_sign_ins(user: User, request: HttpRequest) -> None:
    """After a password change: the old sign-ins end, the lockout on the username lifts.

    Every session ends: Django's session hash follows the password, so each old session
    is refused and flushed at its next request or socket connect. Signing the user out
    (`user_logged_out`, as a logout does) deletes the API token and closes open sockets
    after commit (the per-user socket groups listen to it).
    """
    user_logged_out.send(sender=User, request=request, user=user)
    reset_lockout(username=user.username)


def _validate(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc


def _notify(phone: str, language: str) -> None:
    with override(language):
        body = _(
            "[Tiaojie] Your password was changed and every sign-in ended. "
            "If you did not do this, contact your grid worker at once."
        )
    send_sms(to=phone, body=body)
