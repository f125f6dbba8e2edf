"""Settlement agreements, their signatures, judicial confirmation and the certificates issued for signing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pool import Committee


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


# disputes.models.parties.Capacity, repeated here so the migration does not depend on its labels.
SIGNING_CAPACITIES = [
    ("party", _("Party")),
    ("legal_representative", _("Legal representative or contact")),
    ("agent", _("Agent")),
    ("guardian", _("Guardian")),
]


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
    # The party this signature is for (none for the mediator and the seal), and the capacity the
    # signer acted in: the party itself, an organisation's legal representative, an agent or a
    # guardian (docs/features/parties.md, "Settlements, signatures and judicial confirmation"). One signature per party;
    # RESTRICT: a signed party cannot be deleted alone, but goes with its whole dispute.
    party = models.ForeignKey(
        "disputes.DisputeParty", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    capacity = models.CharField(max_length=24, choices=SIGNING_CAPACITIES, blank=True)

    class Meta:
        ordering = ["settlement", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "party"], condition=models.Q(party__isnull=False),
                name="one_signature_per_party",
            ),
            models.UniqueConstraint(
                fields=["settlement", "role"], condition=models.Q(role__in=["mediator", "committee"]),
                name="one_signature_per_role",
            ),
        ]  # fmt: skip

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
    party = models.ForeignKey(
        "disputes.DisputeParty", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    capacity = models.CharField(max_length=24, choices=SIGNING_CAPACITIES, blank=True)
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
    # The applicant this signature is for and the capacity the signer acted in (as on the agreement).
    party = models.ForeignKey(
        "disputes.DisputeParty", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    capacity = models.CharField(max_length=24, choices=SIGNING_CAPACITIES, blank=True)

    class Meta:
        ordering = ["application", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "party"], condition=models.Q(party__isnull=False),
                name="one_judicial_signature_per_party",
            ),
        ]  # fmt: skip

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
