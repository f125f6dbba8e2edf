"""The minutes (调解笔录) of a mediation session and the parties' confirmations of them
(docs/features/minutes.md). Minutes of a caucus session are as confidential as the caucus room:
they never reach the case file, exports or the other party."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sessions import Session


def minutes_pdf_path(instance: Minutes, filename: str) -> str:
    import secrets

    return f"minutes/{instance.session_id}/{secrets.token_hex(16)}.pdf"


class Minutes(models.Model):
    """What was said and agreed at one session, as the mediator recorded it.

    `version` counts finalisations: a finalised version is what parties confirm; an edit after
    finalising reopens the minutes as the next version (draft), and the confirmations of the
    earlier version stay on record but no longer count. `history` keeps the SHA-256 of every
    file each version had: [{"version", "sha256", "at", "why"}].
    """

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="minutes")
    present = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    # Others present without an account (a witness, an interpreter): [{"name", "capacity"}].
    others = models.JSONField(default=list, blank=True)
    # [{"speaker_id": user id or null, "speaker": name, "side": claimant|respondent|mediator|other, "text"}]
    statements = models.JSONField(default=list, blank=True)
    agreed = models.TextField(blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    finalised_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to=minutes_pdf_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    history = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("session minutes")
        verbose_name_plural = _("session minutes")

    def __str__(self) -> str:
        return f"minutes of session {self.session_id} v{self.version}"


class MinutesConfirmation(models.Model):
    """A party present at the session confirmed one version of the minutes."""

    class Method(models.TextChoices):
        SMS_CODE = "sms_code", _("SMS code")

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="confirmations")
    version = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20)  # claimant or respondent when confirmed
    name = models.CharField(max_length=200)  # the name as printed
    confirmed_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.SMS_CODE)

    class Meta:
        ordering = ["minutes", "version", "confirmed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "version", "user"], name="one_confirmation_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} confirmed {self.minutes_id} v{self.version}"
