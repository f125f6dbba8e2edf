"""Deleting one's own account (docs/personal-data-retention.md, "Account deletion").

A resident confirms with their password. Refused while they take part in a dispute that is
not yet rejected, withdrawn or closed, or in a judicial-confirmation application awaiting
signatures (the other side and the mediator still need to reach them), and for staff accounts (an administrator closes those: their work stays attributed).
What must stay for the legal record stays under a placeholder; the rest is deleted:

- the account row stays (disputes, messages and signatures point to it), stripped of name,
  phone, email, ID number and address; inactive, no usable password, username "deleted-<id>";
- on ended disputes naming their phone, their party name, phone, email and address are
  replaced; signed agreements (PDF, hash, signature records) are never touched, so they
  still verify;
- their notifications, channel choices, SMS codes, API token, sessions, websocket tickets and
  sign-in records are deleted;
- one `account` audit entry records it; earlier audit entries stay as they are.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import retention as accounts
from accounts.lockout import client_ip
from accounts.models import StaffRole, User
from core import audit
from core.errors import ServiceError
from core.models import AuditEntry
from disputes import retention as disputes
from disputes.models import Dispute
from notifications import retention as notifications

from ..models import JudicialApplication, MediatorProfile, Presence, WsTicket


def is_staff_account(user: User) -> bool:
    return bool(
        user.is_staff
        or user.is_superuser
        or StaffRole.objects.filter(user=user).exists()
        or MediatorProfile.objects.filter(user=user).exists()
    )


def _judicial_pending(user: User) -> list:
    """Closed disputes whose judicial-confirmation application still awaits signatures: the
    parties sign it, so it counts as open too."""
    if not (user.phone_verified and user.phone):
        return []
    pending = JudicialApplication.objects.filter(
        dispute__in=Dispute.objects.naming(user, served_only=False),
        status=JudicialApplication.Status.AWAITING_SIGNATURES,
        dispute__state__in=Dispute.TERMINAL,
    ).select_related("dispute")
    return [application.dispute for application in pending]


def refusal(user: User) -> ServiceError | None:
    """Why this account cannot be deleted by its holder now, or None."""
    if not user.is_active:
        return ServiceError(_("This account is already deleted."), code="already_deleted", status=409)
    if is_staff_account(user):
        return ServiceError(
            _("Staff accounts are closed by an administrator, not by their holder."),
            code="staff_account",
            status=403,
        )
    open_disputes = disputes.open_disputes_of(user) + _judicial_pending(user)
    if open_disputes:
        return ServiceError(
            _(
                "You take part in disputes still in progress (%(references)s): the other side and "
                "the mediator must be able to reach you until they end. Your account can be "
                "deleted then."
            )
            % {"references": ", ".join(d.reference or f"#{d.pk}" for d in open_disputes)},
            code="open_disputes",
            status=409,
        )
    return None


def delete_account(user: User, password: str, *, request) -> dict:
    """Check the password (failures count towards the sign-in lockout), then delete.

    Returns {"disputes": ended disputes whose party data was replaced, "notifications": deleted}.
    Raises ServiceError: `wrong_password` (400), `staff_account` (403), `open_disputes` or
    `already_deleted` (409).
    """
    if (refused := refusal(user)) is not None:
        raise refused
    checked = authenticate(request, username=user.username, password=password or "")
    if checked is None or checked.pk != user.pk:
        raise ServiceError(_("The password is wrong."), code="wrong_password", field="password")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if (refused := refusal(user)) is not None:  # again: a second request waits on the lock
            raise refused
        phone, email = user.phone, user.email
        # As a logout does: the API token goes and open sockets close after commit.
        user_logged_out.send(sender=User, request=request, user=user)
        counts = {
            "disputes": disputes.remove_party(user),
            "notifications": notifications.delete_for_user(user, phone=phone, email=email),
        }
        WsTicket.objects.filter(user=user).delete()
        Presence.objects.filter(user=user).delete()
        accounts.anonymise_user(user)
        audit.record(
            AuditEntry.Action.ACCOUNT,
            actor=user,
            target=f"user:{user.pk}",
            data={"event": "deleted", **counts},
            ip=client_ip(request) if request is not None else None,
        )
    return counts
