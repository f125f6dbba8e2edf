"""The mediator pool: committees, mediator profiles, assignments and recusal requests."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region


class Committee(models.Model):
    """A people's mediation committee (人民调解委员会) at a region node; its seal ends settlements."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="committees")

    class Meta:
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class Language(models.TextChoices):
    MANDARIN = "zh", _("Mandarin")
    WU = "wuu", _("Wu (Hangzhou dialect)")
    CANTONESE = "yue", _("Cantonese")
    ENGLISH = "en", _("English")


class MediatorProfile(models.Model):
    """What assignment needs to know about a mediator.

    The region nodes a mediator serves are their `mediator` StaffRoles (accounts); the
    profile adds committee, expertise, languages, caseload limit and availability.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediator_profile"
    )
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="mediators")
    expertise = models.ManyToManyField("disputes.Category", blank=True, verbose_name=_("expertise"))
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    max_caseload = models.PositiveSmallIntegerField(_("maximum open cases"), default=10)
    on_leave_from = models.DateField(_("on leave from"), null=True, blank=True)
    on_leave_until = models.DateField(_("on leave until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_sum = models.PositiveIntegerField(default=0, editable=False)
    # Kept with each assignment so fairness needs no scan of the assignment history.
    last_assigned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(on_leave_until__isnull=True)
                | Q(on_leave_from__isnull=True)
                | Q(on_leave_until__gte=models.F("on_leave_from")),
                name="leave_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        unknown = sorted(set(self.languages or []) - set(Language.values))
        if unknown:
            raise ValidationError(
                {"languages": _("Unknown language codes: %(codes)s. Use %(known)s.")
                 % {"codes": ", ".join(map(str, unknown)), "known": ", ".join(Language.values)}}
            )  # fmt: skip

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None

    def on_leave(self, day=None) -> bool:
        day = day or timezone.localdate()
        starts = self.on_leave_from is None or self.on_leave_from <= day
        ends = self.on_leave_until is None or day <= self.on_leave_until
        return (self.on_leave_from is not None or self.on_leave_until is not None) and starts and ends


class Assignment(models.Model):
    """One assignment of a mediator to a dispute, with the ranking shown at that moment."""

    class Method(models.TextChoices):
        AUTO = "auto", _("Automatic")
        MANUAL = "manual", _("Chosen by a grid worker")

    class End(models.TextChoices):
        DECLINED = "declined", _("Declined by the mediator")
        REPLACED = "replaced", _("Replaced")
        OVERRIDDEN = "overridden", _("Overridden by another assignment")
        ESCALATED = "escalated", _("Dispute escalated")
        WITHDRAWN = "withdrawn", _("Dispute withdrawn")
        FINISHED = "finished", _("Mediation finished")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, choices=Method.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rank = models.PositiveIntegerField(null=True, blank=True)
    candidates = models.PositiveIntegerField(default=0)
    ranking = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    assigned_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=End.choices, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(ended_at=None), name="one_active_assignment"
            ),
        ]
        indexes = [models.Index(fields=["dispute", "mediator"], name="assignment_history")]

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.mediator_id}"


class AssignmentFlag(models.Model):
    """Why automatic assignment found nobody; shown to the grid worker until someone is assigned."""

    dispute = models.OneToOneField(
        "disputes.Dispute", on_delete=models.CASCADE, related_name="assignment_flag"
    )
    reason = models.TextField()
    details = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.reason}"


class RecusalRequest(models.Model):
    """A party asks that the mediator step aside (回避); a grid worker decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="recusals")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "requested_by"],
                condition=Q(status="pending"),
                name="one_pending_recusal_per_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} recusal of {self.mediator_id}"


# --- Mediation chat (docs/chat-protocol.md) -------------------------------------------------------
class Room(models.Model):
    """A chat room of a dispute: the joint room, or one party's caucus (背对背) with the mediator.

    Members are derived from the dispute at every check (the current mediator, the parties by
    verified phone), so a replaced mediator loses access the moment the change commits.
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
    party = models.CharField(max_length=10, choices=Party.choices, blank=True)  # caucus rooms only
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dispute", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kind", "party"], name="one_room_per_kind_and_party"),
            models.CheckConstraint(
                condition=Q(kind="joint", party="") | Q(kind="caucus", party__in=["claimant", "respondent"]),
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
def new_verification_code() -> str:
    import secrets

    return secrets.token_urlsafe(12)


def settlement_pdf_path(instance: Settlement, filename: str) -> str:
    import secrets

    return f"settlements/{instance.dispute_id}/{secrets.token_hex(16)}.pdf"


class Settlement(models.Model):
    """One version of a proposed settlement agreement (调解协议书).

    A new proposal is a new version; a version ends when it is declined, superseded or the
    dispute leaves signing, and its signatures never carry over.
    """

    class End(models.TextChoices):
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Superseded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="settlements")
    version = models.PositiveIntegerField()
    terms = models.JSONField(default=list)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    performance_method = models.CharField(max_length=500, blank=True)
    performance_deadline = models.DateField(null=True, blank=True)
    verification_code = models.CharField(max_length=32, unique=True, default=new_verification_code)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=End.choices, blank=True)
    end_note = models.TextField(blank=True)
    # The signed document so far; after the seal, the final file and its SHA-256.
    pdf = models.FileField(upload_to=settlement_pdf_path, max_length=200, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["dispute", "version"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "version"], name="one_settlement_version"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} v{self.version}"


class KeyKind(models.TextChoices):
    HELD = "held", _("Key held on the signer's device")
    EVENT = "event", _("Key made by the platform for this signing")
    SEAL = "seal", _("Committee seal")


class SettlementSignature(models.Model):
    """One PAdES signature on a settlement, in signing order; the committee seal comes last."""

    class Role(models.TextChoices):
        CLAIMANT = "claimant", _("Claimant")
        RESPONDENT = "respondent", _("Respondent")
        MEDIATOR = "mediator", _("Mediator")
        COMMITTEE = "committee", _("Mediation committee")

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="signatures")
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=Role.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    certificate_serial = models.CharField(max_length=64, blank=True)
    certificate_subject = models.CharField(max_length=300, blank=True)
    # Whose key made it: a key held by the signer's own device (docs/features/held-keys.md)
    # or a key the server made for this one signing after the SMS check (the fallback).
    key_kind = models.CharField(max_length=10, choices=KeyKind.choices, default=KeyKind.EVENT)

    class Meta:
        ordering = ["settlement", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "role"], name="one_signature_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.settlement} {self.role}"


def pending_signing_id() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class PendingSignature(models.Model):
    """A settlement signature prepared for a key held in the signer's browser, waiting for
    the signature value (mediation.settlements.held). Single use; expires after 10 minutes.

    Holds no secret: the prepared PDF, the signed attributes the browser signs, and the
    certificate issued for the public key the browser sent.
    """

    id = models.CharField(primary_key=True, max_length=40, default=pending_signing_id, editable=False)
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="+")
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signer_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=SettlementSignature.Role.choices)
    base_signatures = models.PositiveSmallIntegerField()
    field_name = models.CharField(max_length=100)
    output = models.BinaryField()  # the document with the signature placeholder; emptied once used
    document_digest = models.BinaryField()
    reserved_start = models.PositiveIntegerField()
    reserved_end = models.PositiveIntegerField()
    signed_attrs = models.BinaryField()  # DER of the CMS signed attributes the browser signs
    certificate = models.BinaryField()  # DER of the certificate issued for the browser's key
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="pending_signature_expiry")]

    def __str__(self) -> str:
        return f"pending {self.role} signature on {self.settlement_id}"


# --- judicial confirmation (司法确认, People's Mediation Law art. 33) -------------------------------
def judicial_pdf_path(instance: JudicialApplication, filename: str) -> str:
    import secrets

    return f"judicial/{instance.settlement_id}/{secrets.token_hex(16)}.pdf"


class JudicialApplication(models.Model):
    """The parties' joint application to the basic people's court to confirm a settlement.

    One per sealed settlement. A party starts it and signs first; the other party co-signs.
    It must be signed by both within 30 days of the agreement taking effect (`deadline_at`),
    or it expires. Staff then record what the court answered.
    """

    class Status(models.TextChoices):
        AWAITING_SIGNATURES = "awaiting_signatures", _("Awaiting signatures")
        READY = "ready", _("Ready to file with the court")
        EXPIRED = "expired", _("Expired")
        CONFIRMED = "confirmed", _("Confirmed by the court")
        NOT_CONFIRMED = "not_confirmed", _("Not confirmed by the court")

    settlement = models.OneToOneField(Settlement, on_delete=models.CASCADE, related_name="judicial")
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.CASCADE, related_name="+")
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    initiator_role = models.CharField(max_length=20, choices=SettlementSignature.Role.choices)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.AWAITING_SIGNATURES)
    created_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField()
    # Reminders before the window closes, each sent once (claimed by a conditional update).
    reminded_7d_at = models.DateTimeField(null=True, blank=True)
    reminded_1d_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=judicial_pdf_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sweeper: open applications by deadline (reminders and expiry).
            models.Index(
                fields=["deadline_at"],
                condition=models.Q(status="awaiting_signatures"),
                name="judicial_open_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"judicial {self.settlement_id} {self.status}"


class JudicialSignature(models.Model):
    """One applicant's PAdES signature on the application, in signing order."""

    application = models.ForeignKey(JudicialApplication, on_delete=models.CASCADE, related_name="signatures")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=SettlementSignature.Role.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    certificate_serial = models.CharField(max_length=64, blank=True)
    certificate_subject = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["application", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "role"], name="one_judicial_signature_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.role}"


class IssuedCertificate(models.Model):
    """Every certificate the platform CA issued (docs/features/signatures.md, "Certificate
    registry"): CA, TSA, committee seals and signers' certificates, for revocation, CRL and OCSP."""

    class Kind(models.TextChoices):
        HELD = "held", _("signer-held key")
        EVENT = "event", _("event key")
        SEAL = "seal", _("committee seal")
        TSA = "tsa", _("timestamp authority")
        CA = "ca", _("certificate authority")

    serial = models.CharField(max_length=64, unique=True)  # lower-case hex
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.TextField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    certificate = models.BinaryField()  # DER
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.serial}"
