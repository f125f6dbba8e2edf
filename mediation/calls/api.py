"""The calls' HTTP route (docs/chat-protocol.md, "Calls"): TURN credentials for a room's
members."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ..chat.voice_api import member_room
from . import turn


class CallCredentialsView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="ICE servers for a call in this room: `ice_servers` (STUN, and TURN with a "
        "username `<expiry>:<user id>` and credential base64(HMAC-SHA1(secret, username)), the "
        "TURN REST API convention), `ttl` in seconds, and `relay_only` (use iceTransportPolicy "
        "relay). Members only; 404 for everyone else.",
    )
    def get(self, request, room_id: int):
        member_room(request, room_id)
        response = Response(turn.ice_servers(request.user.pk))
        response["Cache-Control"] = "no-store"
        return response
