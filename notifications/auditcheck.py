"""The nightly check of the audit log, and the legal notice to every active superuser on a
break: once per break, i.e. per (first broken index, reason) (docs/personal-data-audit.md,
"Alerts")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import audit
from core.models import AuditCheck

from .services import Recipient, notify

LINK = "/admin/core/auditcheck/"


def nightly(now=None) -> AuditCheck:
    """Verify the chain and its anchors, store the result; alert if this break is new."""
    entries, _anchors, broken = audit.check()
    with transaction.atomic():
        seen = (
            broken is not None
            and AuditCheck.objects.filter(
                alerted=True, broken_index=broken.index, reason=broken.reason[:200]
            ).exists()
        )
        result = AuditCheck.objects.create(
            at=now or timezone.now(), entries=entries, broken_index=broken.index if broken else None,
            reason=broken.reason[:200] if broken else "", alerted=broken is not None and not seen,
        )  # fmt: skip
        if result.alerted:
            superusers = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
            notify(
                [Recipient.for_user(u, "audit_broken") for u in superusers],
                kind="audit_broken", values={"index": broken.index, "reason": broken.reason},
                link=LINK, legal=True,
            )  # fmt: skip
    return result
