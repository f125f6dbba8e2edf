"""Call recordings (docs/features/calls.md): every member's consent per call, and the
mediator's resumable uploads. A recording belongs to its call's room, so a caucus recording
is as confidential as the caucus messages."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .calls import Call
from .chat import Attachment


class RecordingConsent(models.Model):
    """One member's current answer for one call; each change is also a room event message."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recording_consents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    consent = models.BooleanField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="one_consent_per_call_user")]

    def __str__(self) -> str:
        return f"consent of {self.user_id} to recording call {self.call_id}: {self.consent}"


class Recording(models.Model):
    """One upload: bytes appended in order at `size`, completed once with its SHA-256.

    `stopped_at` is set when a member withdraws consent: no chunk is accepted after it, and
    what was stored before (recorded with everyone's consent) may still be completed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # not guessable
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="recordings")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    file = models.CharField(max_length=200)  # recordings/<room>/<id>: appended to in place
    size = models.PositiveBigIntegerField(default=0)  # bytes stored: the next chunk's offset
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attachment = models.OneToOneField(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="recording"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "started_by", "client_id"], name="one_recording_per_client_id"
            ),
        ]

    def __str__(self) -> str:
        return f"recording {self.pk} of call {self.call_id}"
