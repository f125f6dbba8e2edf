"""A resident's own data: the readable page (/my-data/) and the JSON (GET /api/v1/auth/me/data/).

Every view or download is an audit entry (`download`, what: own_data). docs/personal-data-rights.md
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.lockout import client_ip
from core import audit
from core.models import AuditEntry

from .collect import collect


def _record(request, user, fmt: str) -> None:
    audit.record(
        AuditEntry.Action.DOWNLOAD,
        actor=user,
        target=f"user:{user.pk}",
        data={"what": "own_data", "format": fmt},
        ip=client_ip(request),
    )


def _filename(user, ext: str) -> str:
    return f"tiaojie-my-data-{user.pk}-{timezone.localdate():%Y%m%d}.{ext}"


@require_GET
@login_required
def page(request):
    """The readable page; `?download=1` gives it as a self-contained HTML file to keep."""
    download = request.GET.get("download") == "1"
    _record(request, request.user, "html")
    data = collect(request.user)
    template = "mediation/owndata/standalone.html" if download else "mediation/owndata/page.html"
    response = render(request, template, {"data": data})
    if download:
        response["Content-Disposition"] = f'attachment; filename="{_filename(request.user, "html")}"'
    return response


class OwnDataView(APIView):
    """All the caller's own data as JSON (docs/api.md); a file download in a browser."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        _record(request._request, request.user, "json")
        response = Response(collect(request.user))
        response["Content-Disposition"] = f'attachment; filename="{_filename(request.user, "json")}"'
        return response
