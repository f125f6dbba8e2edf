"""Sign-in and sign-out side effects on credentials (docs/security.md)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from . import sessions


@receiver(user_logged_in, dispatch_uid="accounts.stamp_session")
def stamp_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.start(request.session)


@receiver(user_logged_out, dispatch_uid="accounts.revoke_token")
def revoke_token(sender, request, user, **kwargs):
    """Signing out anywhere (a page, the API, a timed-out session) revokes the API token."""
    if user is not None:
        Token.objects.filter(user=user).delete()
