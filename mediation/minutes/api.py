"""The minutes over HTTP (docs/features/minutes.md, docs/api.md). 404 for anyone who may not
see the session (a caucus's other party, staff for a caucus, strangers); 403 for a reader
who may not do this; 409 for the wrong moment."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import record_request
from accounts.phones import mask_phone
from core.errors import ServiceError
from core.models import AuditEntry

from . import access, document, records


def minutes_data(session, minutes, user) -> dict:
    """The session's facts and its minutes (None before any are recorded)."""
    data = {
        "session": {
            "id": session.pk, "dispute": session.dispute_id, "room": session.room.kind,
            "mode": session.mode, "starts_at": session.starts_at, "place": session.place,
            "status": session.status,
        },
        "minutes": None,
    }  # fmt: skip
    if minutes is None:
        return data
    confirmed = access.confirmations(minutes)
    data["minutes"] = {
        "version": minutes.version,
        "present": [{"id": p["id"], "name": p["name"]} for p in _present(minutes)],
        "others": minutes.others,
        "statements": minutes.statements,
        "agreed": minutes.agreed,
        "written_by": minutes.written_by.display_name,
        "created_at": minutes.created_at,
        "updated_at": minutes.updated_at,
        "finalised_at": minutes.finalised_at,
        "sha256": minutes.sha256,
        "history": minutes.history,
        "confirmations": [
            {
                "user": c.user_id,
                "name": c.name,
                "role": c.role,
                "version": c.version,
                "confirmed_at": c.confirmed_at,
                "method": c.method,
            }
            for c in confirmed
        ],  # fmt: skip
        "awaiting": [
            u.pk for u in access.confirming_parties(minutes) if u.pk not in {c.user_id for c in confirmed}
        ],
    }
    return data


def _present(minutes) -> list[dict]:
    return [{"id": u.pk, "name": u.display_name} for u in minutes.present.order_by("pk")]


class MinutesView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, session_id: int):
        """The session's minutes; `minutes` is null before any are recorded."""
        session = access.visible_session(request.user, session_id)
        return Response(minutes_data(session, access.minutes_of(session), request.user))

    @extend_schema(request=dict, responses={200: dict})
    def put(self, request, session_id: int):
        """Record or edit the minutes (the mediator): {present: [user id], others: [{name, capacity}],
        statements: [{speaker_id | speaker + side, text}], agreed}. Marks the session held; an
        edit after finalising opens the next version. 409 `session_cancelled`, `wrong_state`, `not_started`."""
        session = access.visible_session(request.user, session_id)
        minutes = records.record(session, request.user, request.data)
        return Response(minutes_data(session, minutes, request.user))


class FinaliseView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, session_id: int):
        """Fix the version for confirmation and render its PDF; the parties present are told."""
        session = access.visible_session(request.user, session_id)
        minutes = records.finalise(session, request.user)
        return Response(minutes_data(session, minutes, request.user))


class MinutesPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, session_id: int):
        """The finalised file as stored (with its confirmations), or a draft marked as such."""
        session = access.visible_session(request.user, session_id)
        minutes = access.minutes_of(session)
        if minutes is None:
            raise ServiceError(_no_minutes(), code="not_found", status=404)
        if minutes.finalised_at and minutes.pdf:
            content, suffix = records.read_pdf(minutes), ""
        else:
            content, suffix = document.render(minutes, draft=True), "-draft"
        record_request(
            request, AuditEntry.Action.DOWNLOAD, dispute=session.dispute, target=f"minutes:{minutes.pk}",
            data={"document": "minutes", "version": minutes.version, "sha256": hashlib.sha256(content).hexdigest()},
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/pdf")
        filename = f"{session.dispute.reference}-session{session.pk}-v{minutes.version}{suffix}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _no_minutes() -> str:
    from django.utils.translation import gettext as _

    return _("No minutes have been recorded for this session.")


class ConfirmCodeView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, session_id: int):
        """Send a confirmation code to the caller's verified phone (a party present)."""
        session = access.visible_session(request.user, session_id)
        records.send_confirm_code(session, request.user)
        return Response({"sent_to": mask_phone(request.user.phone)})


class ConfirmView(APIView):
    @extend_schema(request=dict, responses={201: dict})
    def post(self, request, session_id: int):
        """Confirm the current version with {code}; 400 for a wrong, expired or used code."""
        session = access.visible_session(request.user, session_id)
        data = request.data if isinstance(request.data, dict) else {}
        confirmation = records.confirm(session, request.user, data.get("code", ""))
        minutes = access.minutes_of(session)
        return Response(
            {
                "version": confirmation.version,
                "confirmed_at": confirmation.confirmed_at,
                "sha256": minutes.sha256,
            },
            status=201,
        )


__all__ = ["MinutesView", "FinaliseView", "MinutesPdfView", "ConfirmCodeView", "ConfirmView"]
