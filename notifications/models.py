"""The outbox: one Notification row per recipient and channel, and users' channel choices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.phones import mask_phone
from core.fields import BlindIndexed, BlindIndexField, EncryptedTextField


class Notification(BlindIndexed, models.Model):
    """Written in the transaction of the change that causes it; delivered after commit.

    In-app rows are delivered by being written (the inbox is the channel; the live push is a
    courtesy). SMS and email rows wait as `pending` until a worker claims one (`sending`,
    with a lease), sends it and marks it `sent`; a failure puts it back to `pending` with a
    later `next_attempt_at`, and after NOTIFY_MAX_ATTEMPTS it is `failed`. The rows of one
    commit are delivered together (docs/features/notifications.md).
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In-app")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # Null when the notice is not about one dispute; events are never deleted while it is.
    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "disputes.DisputeEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Phone or email, sealed at rest (docs/personal-data-encryption.md).
    address = EncryptedTextField(_("address"), max_length=254, blank=True)
    # Found by its blind index when an account is deleted (docs/personal-data-retention.md).
    address_index = BlindIndexField(source="address", db_index=True)
    language = models.CharField(_("language"), max_length=8)
    legal = models.BooleanField(_("legal notice"), default=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    link = models.URLField(_("link"), max_length=500, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # The Celery task that holds the row while `sending` (notifications.delivery.claim).
    claimed_by = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The inbox: a user's in-app notices, newest first.
            models.Index(fields=["user", "-id"], condition=Q(channel="in_app"), name="notification_inbox"),
            # The unread badge on every page.
            models.Index(
                fields=["user"], condition=Q(channel="in_app", read_at=None), name="notification_unread"
            ),
            # The sweeper: undelivered rows, soonest due first.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notification_undelivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} → {self.masked_address or self.user_id}"

    @property
    def masked_address(self) -> str:
        """The phone or email masked, as everywhere (docs/personal-data-masking.md)."""
        if not self.address:
            return ""
        return (
            mask_phone(self.address)
            if self.channel == self.Channel.SMS
            else "***@" + self.address.split("@")[-1]
        )


class Preference(models.Model):
    """Channels a user wants for notices without legal weight (legal ones always go out)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    sms = models.BooleanField(_("SMS"), default=True)
    email = models.BooleanField(_("email"), default=True)

    def __str__(self) -> str:
        return f"{self.user}: sms={self.sms} email={self.email}"
