"""Risk alerts of the cockpit (预警, docs/features/cockpit.md "Risk alerts"): raised by the daily
rules in disputes.reports.risk, once each (the fingerprint), shown to staff in scope."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from .category import Category


class RiskAlert(models.Model):
    class Kind(models.TextChoices):
        RISE = "rise", _("Rise in filings")
        REPEAT_RESPONDENT = "repeat_respondent", _("Repeat respondent")
        REPEAT_AFTER_SETTLEMENT = "repeat_after_settlement", _("New dispute after a settlement")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # The street whose case handlers are told; `grid` and `category` for a rise only.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    grid = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("grid")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    disputes = models.ManyToManyField(
        "disputes.Dispute", related_name="risk_alerts", verbose_name=_("disputes")
    )
    # The filing days the rule looked at, both included (site time zone).
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("to"))
    # The rule's figures: count, baseline, tail probability (rise); count (repeat respondent).
    figures = models.JSONField(default=dict, blank=True)
    # Who the alert is about, as a blind index (respondent, or the pair): never a phone.
    subject = models.CharField(max_length=200, blank=True, editable=False)
    fingerprint = models.CharField(max_length=200, unique=True, editable=False)
    opened_at = models.DateTimeField(_("opened at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("acknowledged by"),
    )  # fmt: skip
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["region", "acknowledged_at"], name="risk_alert_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.fingerprint}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("risk-alert", args=[self.pk])
