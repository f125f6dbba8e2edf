"""Who is online in a room, across every daphne process.

One row per open socket, in the database every process shares, refreshed by a heartbeat
from the socket's consumer. A process that dies stops refreshing its rows, and they stop
counting as online after CHAT_PRESENCE_TTL seconds (and are purged on a later join).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..models import Presence
from . import sql
from .access import access_many


def _fresh_after():
    return timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL)


def online(room_id: int) -> list[int]:
    """Ids of the users with at least one live socket in the room, ascending."""
    rows = Presence.objects.filter(room_id=room_id, seen_at__gt=_fresh_after())
    return sorted(set(rows.values_list("user_id", flat=True)))


def join(room_id: int, user_id: int, channel_name: str) -> list[int]:
    Presence.objects.filter(room_id=room_id, seen_at__lte=_fresh_after()).delete()
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"room_id": room_id, "user_id": user_id, "seen_at": timezone.now()},
    )
    return online(room_id)


def leave(room_id: int, channel_name: str) -> list[int]:
    Presence.objects.filter(channel_name=channel_name).delete()
    return online(room_id)


def touch(channel_names: list[str]) -> None:
    """The heartbeat of a process's sockets (every CHAT_PRESENCE_TTL / 3 seconds): plain SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE mediation_presence SET seen_at = %s WHERE channel_name {sql.in_clause(channel_names)}",
            [connection.ops.adapt_datetimefield_value(timezone.now()), *sql.in_args(channel_names)],
        )


def heartbeat(sockets: list[tuple[str, int, int]]) -> list[tuple[int | None, bool]]:
    """Refresh the presence of (channel name, user id, room id) sockets and re-check their
    access: access.access_many's answers, in order."""
    if not sockets:
        return []
    touch([channel_name for channel_name, _, _ in sockets])
    return access_many([(user_id, room_id) for _, user_id, room_id in sockets])
