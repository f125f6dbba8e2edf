"""Chat rooms, their messages and attachments, presence and websocket tickets (docs/chat-protocol.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    """A chat room of a dispute: the joint room, or one party's caucus (背对背) with the mediator.

    Every party that takes part has its own caucus (`party_record`); `party` keeps its side, as
    the two-party API shows it. Members are derived from the dispute at every check (the
    current mediator, the parties by verified phone and their approved agents and guardians,
    mediation.chat.rooms), so a replaced mediator or a revoked agent loses access the moment
    the change commits.
    `last_seq` is the room's message counter; post_message bumps it under this row's lock.
    """

    class Kind(models.TextChoices):
        JOINT = "joint", _("Joint session")
        CAUCUS = "caucus", _("Private session")

    class Party(models.TextChoices):
        CLAIMANT = "claimant", _("Claimant")
        RESPONDENT = "respondent", _("Respondent")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="rooms")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    party = models.CharField(max_length=10, choices=Party.choices, blank=True)  # caucus rooms: the side
    party_record = models.ForeignKey(  # caucus rooms: whose caucus
        "disputes.DisputeParty", on_delete=models.CASCADE, null=True, blank=True, related_name="caucus_rooms"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dispute", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(kind="joint"), name="one_joint_room_per_dispute"
            ),
            models.UniqueConstraint(
                fields=["party_record"], condition=Q(kind="caucus"), name="one_caucus_per_party"
            ),
            models.CheckConstraint(
                condition=Q(kind="joint", party="", party_record__isnull=True)
                | Q(kind="caucus", party__in=["claimant", "respondent"], party_record__isnull=False),
                name="caucus_rooms_name_a_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.kind} {self.party}".strip()

    @property
    def group_name(self) -> str:
        return f"room-{self.pk}"


class Message(models.Model):
    """One chat message: the record of the mediation. Never edited or deleted; the retention
    task empties the body years after the dispute ended (docs/personal-data-retention.md)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="messages")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=20)  # claimant, respondent or mediator when sent
    body = models.TextField()
    client_msg_id = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)
    # A call's start, join, leave or end (docs/features/calls.md): {"call": id, "action": ...}; null for
    # what a member wrote or recorded.
    event = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            # Gap-free order per room; `sync` and the history read this index.
            models.UniqueConstraint(fields=["room", "seq"], name="one_message_per_seq"),
            # A retried send (same client id from the same author) stores one message.
            models.UniqueConstraint(
                fields=["room", "author", "client_msg_id"], name="one_message_per_client_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq}"


class Attachment(models.Model):
    """A file a chat message carries: a voice note (docs/chat-protocol.md, "Voice notes").

    Stored with its message in the same transaction (chat.store), one per message; its file
    goes with the chat's retention (mediation.privacy.retention) while the message row stays.
    """

    class Kind(models.TextChoices):
        VOICE = "voice", _("Voice note")
        RECORDING = "recording", _("Call recording")

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="attachment")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VOICE)
    file = models.FileField(max_length=200)  # voice/<room>/<random>: the name is never the user's
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)  # as the recording client measured it
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class Presence(models.Model):
    """One open socket in a room, kept alive by heartbeats.

    In the database so every daphne process sees every socket; a row whose heartbeat is
    older than CHAT_PRESENCE_TTL (its process died) no longer counts as online.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["room", "seen_at"], name="presence_room_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class WsTicket(models.Model):
    """A single-use, 60-second ticket for opening a websocket without a session cookie.

    Only the SHA-256 of the ticket is stored; redeeming is one conditional UPDATE, so two
    processes can never both accept the same ticket.
    """

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # The sign-in that asked for the ticket ("session:<key>" or "token:<key>"): the socket
    # closes once it ends (accounts.sockets). Emptied when the ticket is redeemed.
    credential = models.CharField(max_length=100, blank=True, default="")

    def __str__(self) -> str:
        return f"ticket of {self.user_id}"


# --- settlement agreements (docs/features/settlements.md) -----------------------------------------
