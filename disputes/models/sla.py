"""Deadlines (docs/features/sla.md): policies, the holiday calendar, the steps taken (disputes.sla)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.sla.rules import validate_policy

from .dispute import Dispute


class SlaPolicy(models.Model):
    """How long a dispute may wait in one state, the reminders before, and what a breach does."""

    class Unit(models.TextChoices):
        DAYS = "days", _("days")
        HOURS = "hours", _("hours")

    class Action(models.TextChoices):
        TIMEOUT = "timeout", _("Fire the state's timeout transition")
        ESCALATE = "escalate", _("Escalate")
        NOTIFY = "notify", _("Notify the responsible staff only")

    state = models.CharField(
        _("state"),
        max_length=30,
        unique=True,
        choices=[(s.value, s.label) for s in Dispute.State if s not in Dispute.TERMINAL],
    )
    duration = models.PositiveIntegerField(_("duration"))
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, default=Unit.DAYS)
    working_days = models.BooleanField(
        _("working days"), default=False, help_text=_("Count only working days (public holidays skipped).")
    )
    reminders = models.CharField(
        _("reminders before the deadline"),
        max_length=200,
        blank=True,
        help_text=_(
            'For example "2 days, 4 hours". For the respondent\'s answer these are the reminders to the respondent.'
        ),
    )
    home_visit = models.CharField(
        _("home visit before the deadline"),
        max_length=50,
        blank=True,
        help_text=_('Respondent\'s answer only: when the grid worker is asked to visit, e.g. "1 day".'),
    )
    breach_action = models.CharField(_("on breach"), max_length=10, choices=Action.choices)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.duration} {self.get_unit_display()}"

    def clean(self) -> None:
        validate_policy(self)


class Holiday(models.Model):
    """A day off (public holiday) or a weekend day worked instead (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Adjusted working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HOLIDAY)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.get_kind_display()})"


class SlaNotice(models.Model):
    """One SLA step taken for one deadline: a reminder, a ladder step or the breach action.

    Unique per (dispute, deadline, kind, lead), so two sweepers can never take a step twice.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        RESPONDENT_REMINDER = "respondent_reminder", _("Reminder to the respondent")
        HOME_VISIT = "home_visit", _("Home visit")
        BREACH = "breach", _("Breach")

    dispute = models.ForeignKey(
        Dispute, on_delete=models.CASCADE, related_name="sla_notices", verbose_name=_("dispute")
    )
    due_at = models.DateTimeField(_("due"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    lead = models.PositiveIntegerField(_("seconds before the deadline"))
    at = models.DateTimeField(_("taken at"), default=timezone.now)

    class Meta:
        verbose_name = _("SLA step taken")
        verbose_name_plural = _("SLA steps taken")
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "due_at", "kind", "lead"], name="one_sla_step_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"
