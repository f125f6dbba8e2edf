from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from . import privacy, sessions


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


class PrivacyNoticeMiddleware:
    """Sends a signed-in user who has not accepted the current privacy notice to it first.

    Exempt: the notice page itself (where they accept), signing out, switching the language or
    the text size,
    static files and the API (API clients read and accept the notice through its endpoints,
    docs/api.md). The check reads the user row already loaded (User.privacy_notice_version).
    """

    EXEMPT_PREFIXES = (
        "/privacy/", "/api/", "/static/", "/i18n/", "/accounts/logout/", "/accounts/language/",
        "/accounts/text-size/",
    )  # fmt: skip

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and privacy.needs_acceptance(user)
            and not request.path_info.startswith(self.EXEMPT_PREFIXES)
        ):
            target = reverse("privacy:notice")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)
