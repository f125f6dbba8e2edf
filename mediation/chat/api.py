"""Chat over plain HTTP (DESIGN §3): room lists, history, the send fallback, websocket tickets."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from core.errors import ServiceError
from disputes.api import visible_dispute

from . import chat


class ChatPostThrottle(UserRateThrottle):
    """The REST fallback's counterpart of the socket's per-connection limit, per user."""

    scope = "chat"
    rate = "600/min"


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    party = serializers.CharField(allow_null=True)
    writable = serializers.BooleanField()


def room_data(room) -> dict:
    return {"id": room.pk, "kind": room.kind, "party": room.party or None, "writable": chat.is_writable(room)}


class DisputeRoomsView(APIView):
    @extend_schema(responses={200: RoomSerializer(many=True)})
    def get(self, request, pk: int):
        """The dispute's rooms the caller is a member of; 403 for staff who see the dispute."""
        dispute = visible_dispute(request, pk)
        if not (dispute.is_party(request.user) or dispute.is_mediator(request.user)):
            raise ServiceError(
                _("Only the parties and the mediator use the chat."), code="permission_denied", status=403
            )
        return Response([room_data(room) for room in chat.rooms_for(dispute, request.user)])


class PostMessageSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    client_msg_id = serializers.CharField(max_length=64)


MESSAGE_SCHEMA = inline_serializer(
    "ChatMessage",
    {
        "seq": serializers.IntegerField(),
        "id": serializers.IntegerField(),
        "author": inline_serializer(
            "ChatAuthor",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "role": serializers.CharField(),
            },
        ),
        "body": serializers.CharField(),
        "sent_at": serializers.DateTimeField(),
        "client_msg_id": serializers.CharField(),
    },
)


class RoomMessagesView(APIView):
    def get_throttles(self):
        return [ChatPostThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        parameters=[
            OpenApiParameter("after", int, description="only messages with a larger seq (default 0)"),
            OpenApiParameter("limit", int, description="at most this many (default and maximum 500)"),
        ],
        responses={
            200: inline_serializer(
                "ChatMessagePage",
                {
                    "results": serializers.ListField(child=MESSAGE_SCHEMA),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def get(self, request, room_id: int):
        """Messages in seq order after `after`; `next` continues from the last one returned."""
        room = chat.room_for_member(request.user, room_id)
        after, limit = self._int("after", 0), self._int("limit", settings.CHAT_SYNC_BATCH)
        limit = min(max(limit, 1), settings.CHAT_SYNC_BATCH)
        batch = chat.messages_after(room.pk, after, limit)
        results = [chat.message_frame(m)["message"] for m in batch]
        more = len(batch) == limit and batch[-1].seq < room.last_seq
        next_url = None
        if more:
            next_url = request.build_absolute_uri(f"{request.path}?after={batch[-1].seq}&limit={limit}")
        return Response({"results": results, "next": next_url, "previous": None})

    def _int(self, name: str, default: int) -> int:
        raw = self.request.query_params.get(name, "")
        if raw == "":
            return default
        if not raw.isdigit():
            raise ServiceError(_("Must be a non-negative integer."), code="invalid", field=name)
        return int(raw)

    @extend_schema(
        request=PostMessageSerializer,
        responses={201: MESSAGE_SCHEMA, 200: MESSAGE_SCHEMA},
        description="201 with the stored message; 200 with the message stored before when the "
        "same client_msg_id was already sent by the caller in this room (a retry).",
    )
    def post(self, request, room_id: int):
        room = chat.room_for_member(request.user, room_id)
        payload = PostMessageSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            posted = chat.post_message(room.pk, request.user, data["body"], data["client_msg_id"])
        except chat.FrameError as exc:
            raise ServiceError(
                exc.detail, code=exc.code if exc.code == "too_long" else "invalid", field="body"
            ) from exc
        return Response(
            posted.frame["message"],
            status=status.HTTP_201_CREATED if posted.created else status.HTTP_200_OK,
        )


class WsTicketView(APIView):
    @extend_schema(
        request=None, responses={201: inline_serializer("WsTicket", {"ticket": serializers.CharField()})}
    )
    def post(self, request):
        """A single-use ticket, valid 60 seconds: open /ws/rooms/{id}/?ticket=... with it."""
        return Response({"ticket": chat.issue_ticket(request.user)}, status=status.HTTP_201_CREATED)
