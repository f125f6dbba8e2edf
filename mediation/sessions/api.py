"""Sessions over HTTP (docs/features/sessions.md): list and schedule per dispute, read, change,
cancel, dial. A session the caller may not see is 404 like one that does not exist."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ServiceError

from ..chat import rooms
from ..models import Room, Session
from ..permissions import DisputeView
from . import phone, services


class ScheduleSerializer(serializers.Serializer):
    room = serializers.IntegerField(help_text="a room of the dispute (GET /disputes/{id}/rooms/)")
    mode = serializers.ChoiceField(choices=Session.Mode.choices)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(default=60)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=10)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ChangeSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=Session.Mode.choices, required=False)
    starts_at = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(required=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=10)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dispute = serializers.IntegerField()
    room = serializers.DictField()
    mode = serializers.CharField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    place = serializers.CharField()
    attendees = serializers.ListField(child=serializers.DictField())
    status = serializers.CharField()
    version = serializers.IntegerField()
    note = serializers.CharField()
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def session_data(session: Session) -> dict:
    members = rooms.members(session.room)
    return {
        "id": session.pk,
        "dispute": session.dispute_id,
        "room": {"id": session.room_id, "kind": session.room.kind, "party": session.room.party or None},
        "mode": session.mode,
        "starts_at": timezone.localtime(session.starts_at).isoformat(),
        "duration_minutes": session.duration_minutes,
        "place": session.place,
        "attendees": [
            {"id": u.pk, "name": u.display_name, "role": members.get(u.pk, {}).get("role")}
            for u in session.attendees.all().order_by("pk")
        ],
        "status": session.status,
        "version": session.version,
        "note": session.note,
        "cancel_reason": session.cancel_reason,
        "created_at": timezone.localtime(session.created_at).isoformat(),
        "updated_at": timezone.localtime(session.updated_at).isoformat(),
    }


class DisputeSessionsView(DisputeView):
    @extend_schema(responses={200: SessionSerializer(many=True)})
    def get(self, request, pk: int):
        """The dispute's sessions the caller may see: joint ones, and caucus ones of their rooms."""
        dispute = self.dispute(request, pk)
        sessions = services.visible_sessions(dispute, request.user).prefetch_related("attendees")
        return Response([session_data(s) for s in sessions])

    @extend_schema(request=ScheduleSerializer, responses={201: SessionSerializer})
    def post(self, request, pk: int):
        """Schedule a session (the mediator): 403 others, 409 wrong state, 400 bad fields."""
        dispute = self.dispute(request, pk)
        services.check_mediator(dispute, request.user)
        payload = ScheduleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        room = Room.objects.filter(pk=data.pop("room"), dispute=dispute).first()
        if room is None:
            if not dispute.is_mediator(request.user):
                raise ServiceError(
                    _("Only the dispute's mediator arranges sessions."), code="forbidden", status=403
                )
            raise ServiceError(_("Choose a room of this dispute."), code="invalid", field="room")
        room.dispute = dispute
        session = services.schedule(room, by=request.user, **data)
        return Response(session_data(session), status=status.HTTP_201_CREATED)


class SessionView(APIView):
    @extend_schema(responses={200: SessionSerializer})
    def get(self, request, pk: int):
        return Response(session_data(services.visible_session(request.user, pk)))

    @extend_schema(request=ChangeSerializer, responses={200: SessionSerializer})
    def patch(self, request, pk: int):
        """Change a scheduled session (version+1); the attendees are told again."""
        session = services.visible_session(request.user, pk)
        services.check_mediator(session.dispute, request.user)
        payload = ChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = services.change(session, by=request.user, **payload.validated_data)
        return Response(session_data(session))


class SessionCancelView(APIView):
    @extend_schema(request=CancelSerializer, responses={200: SessionSerializer})
    def post(self, request, pk: int):
        session = services.visible_session(request.user, pk)
        services.check_mediator(session.dispute, request.user)
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        session = services.cancel(session, by=request.user, reason=payload.validated_data["reason"])
        return Response(session_data(session))


class SessionDialView(APIView):
    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "SessionDial",
                {
                    "session": serializers.IntegerField(),
                    "version": serializers.IntegerField(),
                    "started_at": serializers.DateTimeField(),
                },
            )
        },
        description="Starts a phone session: each attending party and the mediator are called "
        "after commit; once per session version (pressing again answers the same dial).",
    )
    def post(self, request, pk: int):
        session = services.visible_session(request.user, pk)
        dial = phone.start(session, by=request.user)
        body = {
            "session": session.pk,
            "version": dial.version,
            "started_at": timezone.localtime(dial.started_at).isoformat(),
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
