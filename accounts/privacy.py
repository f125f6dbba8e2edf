"""The privacy notice (隐私告知) and its acceptances (docs/personal-data-rights.md).

The notice's text lives in templates, one per version and language:
`accounts/privacy/notice_<version>_<language>.html` (language "zh-hans" or "en"). The current
version is settings.PRIVACY_NOTICE_VERSION; a user who has not accepted it (no acceptance at
all, or an older version) is asked again on their next page (accounts.middleware).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import get_language

from core import audit
from core.models import AuditEntry

from .models import PrivacyAcceptance, User


def current_version() -> str:
    return settings.PRIVACY_NOTICE_VERSION


def needs_acceptance(user) -> bool:
    """True for a signed-in user whose latest acceptance is not the current version.

    Platform operators (`is_staff`, the admin site's users) are never asked: they handle the
    data under their employment, not as users of the service (docs/personal-data-rights.md).
    """
    return (
        bool(user.is_authenticated) and not user.is_staff and user.privacy_notice_version != current_version()
    )


def notice_language(language: str | None = None) -> str:
    lang = language or get_language() or settings.LANGUAGE_CODE
    return "en" if lang.startswith("en") else "zh-hans"


def notice_template(version: str | None = None, language: str | None = None) -> str:
    return f"accounts/privacy/notice_{version or current_version()}_{notice_language(language)}.html"


def notice_html(language: str | None = None) -> str:
    """The current notice's text as an HTML fragment, in `language` (default: the active one)."""
    context = {"version": current_version(), "contact": settings.PRIVACY_CONTACT}
    return render_to_string(notice_template(language=language), context)


@transaction.atomic
def accept(user: User, version: str, *, via: str, ip: str | None = None) -> PrivacyAcceptance:
    """Record that `user` accepted `version` (the caller checked it is the current one)."""
    acceptance = PrivacyAcceptance.objects.create(user=user, version=version, via=via)
    User.objects.filter(pk=user.pk).update(privacy_notice_version=version)
    user.privacy_notice_version = version
    audit.record(
        AuditEntry.Action.ACCOUNT,
        actor=user,
        target=f"user:{user.pk}",
        data={"event": "privacy_accepted", "version": version, "via": via},
        ip=ip,
    )
    return acceptance


def status(user: User) -> dict:
    """What the API tells a client about the user's acceptance (docs/api.md)."""
    return {
        "current": current_version(),
        "accepted": user.privacy_notice_version or None,
        "needs_acceptance": needs_acceptance(user),
    }
