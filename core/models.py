"""The audit log: one append-only, hash-chained table of security-relevant actions
(docs/security.md, "Audit log"). Written only through `core.audit.record`."""

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
