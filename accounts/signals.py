"""Sign-in and sign-out side effects on credentials (docs/security.md)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from core.models import AuditEntry

from . import sessions
from .audit import record_request
from .models import User


@receiver(user_logged_in, dispatch_uid="accounts.stamp_session")
def stamp_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session)


@receiver(user_logged_out, dispatch_uid="accounts.revoke_token")
def revoke_token(sender, request, user, **kwargs):
    """Signing out anywhere (a page, the API, a timed-out session) revokes the API token."""
    if user is not None:
        Token.objects.filter(user=user).delete()


# --- the audit log (docs/personal-data-audit.md) ------------------------------------------------
@receiver(user_logged_in, dispatch_uid="accounts.audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    record_request(request, AuditEntry.Action.SIGN_IN, actor=user, data={"via": "session"})


@receiver(user_logged_out, dispatch_uid="accounts.audit_sign_out")
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record_request(request, AuditEntry.Action.SIGN_OUT, actor=user)


@receiver(user_login_failed, dispatch_uid="accounts.audit_sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    """The account tried, only if it exists: what was typed may be a password or a phone number
    put in the wrong field, so an unknown name is not kept. Never the password."""
    typed = credentials.get("username")
    account = User.objects.filter(username=typed).only("pk").first() if isinstance(typed, str) else None
    record_request(
        request, AuditEntry.Action.SIGN_IN_FAILED, actor=None,
        target=account.username if account else "",
        data={"user_id": account.pk} if account else {"known_account": False},
    )  # fmt: skip
