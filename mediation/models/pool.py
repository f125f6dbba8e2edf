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
