"""Mediation sessions held in person or by phone (docs/features/sessions.md). A session belongs to a
room: one in a caucus room is as confidential as that room's messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chat import Room


class Session(models.Model):
    """A scheduled meeting of the mediator with some of the room's members."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By phone")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="sessions")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="sessions")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    place = models.CharField(_("place"), max_length=200, blank=True)  # in person only
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    version = models.PositiveIntegerField(default=1)  # +1 on every change, so notices name the current one
    note = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"], name="session_due")]

    def __str__(self) -> str:
        return f"session {self.pk} of dispute {self.dispute_id}"


class SessionReminder(models.Model):
    """The ledger of reminders sent (docs/features/sessions.md): one row per session, version,
    kind and attendee, written in the transaction of the notice it stands for. A change bumps
    the version, so the new time is reminded afresh; a cancelled session is never swept."""

    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", _("The day before")
        HOUR_BEFORE = "hour_before", _("An hour before")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "version", "kind", "user"], name="one_reminder_per_session_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} of session {self.session_id} to {self.user_id}"


class SessionDial(models.Model):
    """A phone session started from the platform: one per session version (the idempotency
    key of its calls); `calls` holds {user id: call id} once the telephony backend placed them."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="dials")
    version = models.PositiveIntegerField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    calls = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "version"], name="one_dial_per_session_version")
        ]

    def __str__(self) -> str:
        return f"dial v{self.version} of session {self.session_id}"
