"""Response headers every answer carries, beside Django's and django-csp's (docs/security.md).

- `Permissions-Policy` turns off the browser features the site never uses.
  Pages that record voice notes (`allow_microphone`) get the microphone, for this origin only.
- `X-Frame-Options` also on what WhiteNoise answers before Django's clickjacking middleware
  (static files); no view here is exempt from it.
- Every `Content-Security-Policy` forbids framing: a view that sets its own policy (evidence
  downloads: `default-src 'none'; sandbox`) gets `frame-ancestors 'none'` appended, since
  `default-src` does not cover it.
"""

from functools import wraps

from django.conf import settings

CSP = "Content-Security-Policy"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        csp = response.headers.get(CSP)
        if csp and "frame-ancestors" not in csp:
            response.headers[CSP] = f"{csp.rstrip('; ')}; frame-ancestors 'none'"
        return response


def allow_microphone(view):
    """A page that records voice notes (docs/chat-protocol.md): the microphone for this origin,
    never for a frame of another; every other feature stays off."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers["Permissions-Policy"] = policy.replace("microphone=()", "microphone=(self)")
        return response

    return wrapped


def allow_calls(view):
    """A page that records voice notes and holds calls (docs/features/calls.md): the microphone and the
    camera for this origin, never for a frame of another; every other feature stays off."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            policy = policy.replace("microphone=()", "microphone=(self)").replace(
                "camera=()", "camera=(self)"
            )
            response.headers["Permissions-Policy"] = policy
        return response

    return wrapped
