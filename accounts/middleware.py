from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation

from . import sessions


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's, unless a page switched it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Ends a signed-in session past its idle or absolute timeout (accounts.sessions).

    Logging out fires `user_logged_out`, so the API token goes and open sockets close too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            if sessions.session_expired(request.session):
                logout(request)
            else:
                sessions.touch(request.session)
        return self.get_response(request)
