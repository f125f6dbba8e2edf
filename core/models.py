"""The audit log: one append-only, hash-chained table of security-relevant actions
(docs/personal-data-audit.md). Written only through `core.audit.record`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        TRANSITION = "transition", _("Transition")
        REVEAL = "reveal", _("Personal data revealed")
        DOWNLOAD = "download", _("Download")
        EXPORT = "export", _("Export")
        ADMIN_CHANGE = "admin_change", _("Admin change")
        SIGNATURE = "signature", _("Signature")
        RETENTION = "retention", _("Retention purge")
        ACCOUNT = "account", _("Account and consent")
        KEYS = "keys", _("Key management")

    # Position in the chain: 0, 1, 2 … without gaps; `hash` covers it, so a reordering shows.
    index = models.BigIntegerField(_("index"), unique=True)
    at = models.DateTimeField(_("at"))
    # Plain values, not foreign keys: the log outlives and never cascades from what it names.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor = models.CharField(_("actor"), max_length=150, blank=True)  # username, "" for the system
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    dispute_id = models.BigIntegerField(_("dispute id"), null=True, blank=True)
    target = models.CharField(_("target"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["index"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            # The supervisors' reveal list and the admin's filters.
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["dispute_id", "action"], name="audit_dispute_action"),
            models.Index(fields=["actor_id", "action", "at"], name="audit_actor_action_at"),
        ]

    def __str__(self):
        return f"#{self.index} {self.action} {self.actor or '-'} {self.target}"


class AuditAnchor(models.Model):
    """The chain head at one moment, stamped by the platform TSA (RFC 3161): an outside witness
    of the hash at `index`, so rewriting the whole chain after that moment shows
    (docs/personal-data-audit.md, "Anchors"). Written by a beat task in mediation."""

    index = models.BigIntegerField(_("index"))
    hash = models.CharField(_("hash"), max_length=64)
    token = models.BinaryField(_("timestamp token"))  # DER TimeStampToken (CMS SignedData)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["index", "at"]
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")

    def __str__(self):
        return f"#{self.index} {self.hash[:12]}"


class AuditCheck(models.Model):
    """One run of the nightly verification; `alerted` marks the run that told the superusers of
    its break, so the same break is reported once (docs/personal-data-audit.md, "Alerts")."""

    at = models.DateTimeField(_("at"))
    entries = models.BigIntegerField(_("entries checked"))
    broken_index = models.BigIntegerField(_("first broken index"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    alerted = models.BooleanField(_("superusers alerted"), default=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit check")
        verbose_name_plural = _("audit checks")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.reason or 'OK'}"
