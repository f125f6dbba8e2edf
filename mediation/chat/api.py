"""Chat over plain HTTP (docs/api.md): room lists, history, the send fallback, websocket tickets."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ServiceError

from ..models import Room
from ..permissions import DisputeView, signed_in_and
from . import frames, ratelimit, rooms, store, tickets
from .permissions import RoomMember, UsesChat


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    party = serializers.CharField(allow_null=True)
    # Only on disputes with more than one party on a side (rooms.several_parties): the caucus's
    # party (its id among the dispute's parties, its name); null for the joint room.
    party_id = serializers.IntegerField(allow_null=True, required=False)
    party_name = serializers.CharField(allow_null=True, required=False)
    writable = serializers.BooleanField()


def room_data(room, *, parties: bool = False) -> dict:
    data = {
        "id": room.pk,
        "kind": room.kind,
        "party": room.party or None,
        "writable": rooms.is_writable(room),
    }
    if parties:
        data["party_id"] = room.party_record_id
        data["party_name"] = room.party_record.name if room.party_record_id else None
    return data


class DisputeRoomsView(DisputeView):
    permission_classes = signed_in_and(UsesChat)

    @extend_schema(responses={200: RoomSerializer(many=True)})
    def get(self, request, pk: int):
        """The dispute's rooms the caller is a member of; 403 for staff who see the dispute."""
        dispute = self.dispute(request, pk)
        mine = rooms.rooms_for(dispute, request.user)
        parties = bool(mine) and rooms.several_parties(dispute)
        return Response([room_data(room, parties=parties) for room in mine])


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
        "attachment": inline_serializer(
            "ChatAttachment",
            {
                "id": serializers.IntegerField(),
                "kind": serializers.CharField(),
                "content_type": serializers.CharField(),
                "size": serializers.IntegerField(),
                "duration_ms": serializers.IntegerField(allow_null=True),
                "sha256": serializers.CharField(),
                "url": serializers.CharField(),
            },
            allow_null=True,
        ),
    },
)


class RoomMessagesView(APIView):
    permission_classes = signed_in_and(RoomMember)

    def room(self, request, room_id: int) -> Room:
        """404 if the room does not exist or its dispute is not visible, 403 if not a member."""
        room = rooms.visible_room(request.user, room_id)
        self.check_object_permissions(request, room)
        return room

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
        room = self.room(request, room_id)
        after, limit = self._int("after", 0), self._int("limit", settings.CHAT_SYNC_BATCH)
        limit = min(max(limit, 1), settings.CHAT_SYNC_BATCH)
        batch = store.messages_after(room.pk, after, limit)
        results = [frames.message_frame(m)["message"] for m in batch]
        more = len(batch) == limit and batch[-1].seq < room.last_seq
        next_url = None
        if more:
            next_url = request.build_absolute_uri(f"{request.path}?after={batch[-1].seq}&limit={limit}")
        return Response({"results": results, "next": next_url, "previous": None})

    def _int(self, name: str, default: int) -> int:
        raw = self.request.query_params.get(name, "")
        if raw == "":
            return default
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) < 2**63):
            raise ServiceError(_("Must be a non-negative integer."), code="invalid", field=name)
        return int(raw)

    @extend_schema(
        request=PostMessageSerializer,
        responses={201: MESSAGE_SCHEMA, 200: MESSAGE_SCHEMA},
        description="201 with the stored message; 200 with the message stored before when the "
        "same client_msg_id was already sent by the caller in this room (a retry); 429 "
        "`rate_limited` past the chat's rate limit, shared with the caller's sockets in the room.",
    )
    def post(self, request, room_id: int):
        room = self.room(request, room_id)
        # The socket's limit, shared with the user's sockets in this room (chat.ratelimit).
        if not ratelimit.take_shared(request.user.pk, room.pk):
            raise ServiceError(_("Too many messages; slow down."), code="rate_limited", status=429)
        payload = PostMessageSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            posted = store.post_message(room.pk, request.user, data["body"], data["client_msg_id"])
        except frames.FrameError as exc:
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
        credential = tickets.credential_of(request)
        if credential is None:  # signed in some other way: nothing to tie the socket's life to
            raise exceptions.NotAuthenticated()
        ticket = tickets.issue_ticket(request.user, credential)
        return Response({"ticket": ticket}, status=status.HTTP_201_CREATED)
