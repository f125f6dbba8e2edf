"""Registration and phone codes."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import audit
from core.crypto import blind_index
from core.errors import ServiceError
from core.models import AuditEntry
from core.sms import send_sms

from .models import PhoneCode, User
from .phones import ascii_digits, validate_id_number


def verified_phone_taken(phone: str, *, exclude: User | None = None) -> bool:
    qs = User.objects.filter(phone_index=blind_index(phone), phone_verified=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


@transaction.atomic
def register_user(
    *, username: str, password: str, full_name: str, phone: str, email: str = "", language: str
) -> User:
    """Create a resident account and send the phone verification code."""
    if verified_phone_taken(phone):
        raise ServiceError(
            _("This phone number already belongs to a verified account."), code="phone_taken", field="phone"
        )
    user = User(username=username, full_name=full_name, phone=phone, email=email, language=language)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ServiceError(_("This username is taken."), code="username_taken", field="username") from exc
    send_phone_code(phone, purpose=PhoneCode.Purpose.VERIFY, language=language, user=user)
    return user


def resend_verification(user: User) -> None:
    """A fresh verification code for an account that has not verified its phone yet."""
    if user.phone_verified or not user.is_active or not user.phone:
        return
    send_phone_code(user.phone, purpose=PhoneCode.Purpose.VERIFY, language=user.language, user=user)


def send_phone_code(
    phone: str, *, purpose: str, language: str, user: User | None = None, scope: str = ""
) -> None:
    """Issue a fresh 6-digit code and send it by SMS after commit.

    Rate limited per phone: one per PHONE_CODE_MIN_INTERVAL, PHONE_CODE_MAX_PER_HOUR an hour.
    A new code replaces older unused ones for the same purpose. `scope` binds a signing code
    to the one document it may sign.
    """
    now = timezone.now()
    recent = PhoneCode.objects.filter(
        phone_index=blind_index(phone), purpose=purpose, created_at__gte=now - timedelta(hours=1)
    ).order_by("-created_at")
    latest = recent.first()
    if latest and now - latest.created_at < settings.PHONE_CODE_MIN_INTERVAL:
        raise ServiceError(_("A code was sent a moment ago; wait a minute."), code="rate_limited", status=429)
    if recent.count() >= settings.PHONE_CODE_MAX_PER_HOUR:
        raise ServiceError(_("Too many codes requested; try again later."), code="rate_limited", status=429)
    PhoneCode.objects.filter(phone_index=blind_index(phone), purpose=purpose, used_at=None).update(
        used_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    PhoneCode.objects.create(
        phone=phone,
        user=user,
        purpose=purpose,
        scope=scope,
        code_hash=make_password(code),
        expires_at=now + settings.PHONE_CODE_TTL,
    )
    with override(language):
        if purpose == PhoneCode.Purpose.SIGN:
            body = _("[Tiaojie] Your signing code is %(code)s, valid for 10 minutes. Never share it.")
        elif purpose == PhoneCode.Purpose.RESET:
            body = _(
                "[Tiaojie] Your password reset code is %(code)s, valid for 10 minutes. Never share it; "
                "if you did not ask for it, ignore this message."
            )
        else:
            body = _("[Tiaojie] Your verification code is %(code)s, valid for 10 minutes.")
    transaction.on_commit(partial(send_sms, to=phone, body=body % {"code": code}))


def check_phone_code(phone: str, code: str, *, purpose: str, scope: str = "") -> PhoneCode | None:
    """Consume the current code if it matches and return it. Caller runs inside a transaction.

    Only the latest code for the purpose is live (a new one replaces the others); one issued
    for another scope (e.g. another settlement version) never matches.
    """
    now = timezone.now()
    current = (
        PhoneCode.objects.select_for_update()
        .filter(
            phone_index=blind_index(phone), purpose=purpose, scope=scope, used_at=None, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )
    if current is None or current.attempts >= settings.PHONE_CODE_MAX_ATTEMPTS:
        return None
    # A fresh code does not buy fresh guesses: wrong ones are also capped per phone an hour.
    failures = PhoneCode.objects.filter(
        phone_index=blind_index(phone), purpose=purpose, created_at__gte=now - timedelta(hours=1)
    ).aggregate(n=Sum("attempts"))["n"]
    if (failures or 0) >= settings.PHONE_CODE_MAX_FAILURES_PER_HOUR:
        return None
    if not check_password(code, current.code_hash):
        PhoneCode.objects.filter(pk=current.pk).update(attempts=current.attempts + 1)
        return None
    PhoneCode.objects.filter(pk=current.pk).update(used_at=now)
    return current


def verify_phone(phone: str, code: str) -> User:
    """Mark the account the code was issued for as verified; a code works once.

    A wrong guess counts as an attempt even though the request fails, so the counter is
    committed before the refusal is raised. Binding codes to accounts means someone who
    registers another person's number cannot have it verified by that person's code.
    """
    with transaction.atomic():
        issued = check_phone_code(phone, code, purpose=PhoneCode.Purpose.VERIFY)
        user = None
        if issued is not None and issued.user_id is not None:
            user = (
                User.objects.select_for_update()
                .filter(
                    pk=issued.user_id, phone_index=blind_index(phone), phone_verified=False, is_active=True
                )
                .first()
            )
            if user is not None and not verified_phone_taken(phone, exclude=user):
                user.phone_verified = True
                user.save(update_fields=["phone_verified"])
            else:
                user = None
    if user is None:
        raise ServiceError(_("The code is wrong or has expired."), code="invalid_code", field="code")
    return user


def set_language(user: User, language: str) -> None:
    """The language of the user's pages, SMS and notifications."""
    if language in User.Language.values and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def give_id_number(user: User, raw: str) -> None:
    """Keep the ID number a user gives where a step needs it (judicial confirmation only,
    docs/personal-data-rights.md). Only when the account has none: changing a recorded one is
    for staff (the admin). Raises ServiceError (field "id_number") for a malformed number."""
    # Full-width or other-script digits, spaces between groups, a lower-case x: one stored form.
    value = "".join(ascii_digits(unicodedata.normalize("NFKC", raw or "")).split()).upper()
    if not value or user.id_number:
        return
    try:
        validate_id_number(value)
    except ValidationError as exc:
        raise ServiceError(exc.messages[0], code="invalid", field="id_number") from exc
    User.objects.filter(pk=user.pk, id_number="").update(id_number=value)
    user.id_number = value
    audit.record(
        AuditEntry.Action.ACCOUNT, actor=user, target=f"user:{user.pk}", data={"event": "id_number_given"}
    )
