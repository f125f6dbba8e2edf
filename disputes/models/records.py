"""The records kept beside a dispute: ratings and supervisor reviews (docs/features/ratings.md),
requests for information (docs/features/casework.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region

from .dispute import Category, Dispute, Party
from .parties import DisputeParty


class Rating(models.Model):
    """A party's satisfaction with how a settled or closed dispute was handled; once per party."""

    Party = Party

    LOW = 2  # a score at or below this opens a supervisor's review

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="ratings")
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)  # the side
    # The party rated for (its own account, or its agent or guardian): once per party.
    dispute_party = models.ForeignKey(
        DisputeParty, on_delete=models.CASCADE, null=True, blank=True, related_name="ratings"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    # Copied from the dispute (none of them ever changes) so the cockpit's satisfaction
    # figures read this table alone, filtered like the disputes (disputes.reports.stats).
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", db_index=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    # The mediator whose average this rating fed (None when no mediator handled it last).
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute_party"], name="one_rating_per_dispute_party"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]
        indexes = [models.Index(fields=["grid", "filed_at"], name="rating_grid_filed")]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.party} {self.score}"

    def save(self, *args, **kwargs) -> None:
        if self.grid_id is None:
            self.grid_id, self.category_id = self.dispute.grid_id, self.dispute.category_id
            self.filed_at = self.dispute.created_at
        super().save(*args, **kwargs)

    @property
    def is_low(self) -> bool:
        return self.score <= self.LOW


class Review(models.Model):
    """A supervisor's review of a dispute some party rated 1 or 2 (不满意重办); one per dispute."""

    class Finding(models.TextChoices):
        HANDLED_WELL = "handled_well", _("Handled well")
        HANDLED_BADLY = "handled_badly", _("Handled badly")

    dispute = models.OneToOneField(Dispute, on_delete=models.CASCADE, related_name="review")
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    answer = models.TextField(_("answer"), max_length=5000, blank=True)
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    followup = models.OneToOneField(
        Dispute, on_delete=models.PROTECT, null=True, blank=True, related_name="opened_by_review"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The supervisors' list: unanswered first, soonest due.
            models.Index(fields=["answered_at", "due_at"], name="review_open_due"),
        ]

    def __str__(self) -> str:
        return f"review of {self.dispute_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class InfoRequest(models.Model):
    """A case handler asks one party for more information, with a deadline (casework).

    Answered once, by that party, on the dispute page or through the API. A late answer is
    still taken (the handler wants it); it is marked late on the timeline. While unanswered,
    a sweeper reminds the party before the deadline and tells the handler once it passed
    (reminded_at, overdue_at: each sent once).
    """

    Party = Party

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="info_requests")
    party = models.CharField(_("party"), max_length=10, choices=Party.choices)
    question = models.TextField(_("question"), max_length=2000)
    due_at = models.DateTimeField(_("answer by"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""), name="an_answer_has_text"
            ),
        ]
        # The sweeper reads the unanswered requests by deadline.
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(answered_at__isnull=True), name="info_request_open_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.party}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.answered_at is None and self.due_at < timezone.now()

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at
