"""Calls in a room: video or voice between its members over WebRTC, signalled over the room's
socket (docs/features/calls.md). A call belongs to its room, so a caucus call is as confidential as the
caucus messages: only that room's members ever learn of it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chat import Room


class Call(models.Model):
    """One call, from the mediator's start to its end. At most one call is live per room.

    Its start, joins, leaves and end are also stored as messages of the room (Message.event),
    so they are seq-ordered in the record and reach every member through `sync`."""

    class Media(models.TextChoices):
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Voice")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # not guessable
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="calls")
    media = models.CharField(max_length=10, choices=Media.choices, default=Media.VIDEO)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(ended_at__isnull=True), name="one_live_call_per_room"
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} in room {self.room_id}"
