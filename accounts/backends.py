"""The lockout check in front of Django's ModelBackend (docs/security.md)."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out account or address before the password is checked.

    Every sign-in form passes its request. A call without one (a management command, the
    test client's `login()`) has no client to count against, so it is not checked here.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
