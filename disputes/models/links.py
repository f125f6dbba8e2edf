"""Links between disputes that staff found to belong together (docs/features/intake.md,
"Related and duplicate disputes")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .dispute import Dispute


class DisputeLink(models.Model):
    """Two disputes linked by a grid worker: related, or one a duplicate of the other.

    Symmetric: the pair is stored lower id first (`low` < `high`), so a pair has one link
    whichever side it was made from. A duplicate's direction is on the timeline: the
    rejected dispute's `reject` event names the original (`duplicate_of`).
    """

    class Kind(models.TextChoices):
        RELATED = "related", _("Related")
        DUPLICATE = "duplicate", _("Duplicate")

    low = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+", db_index=False)
    high = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RELATED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # The unique pair's index also finds a dispute's links by `low`; `high` has its own.
            models.UniqueConstraint(fields=["low", "high"], name="one_link_per_pair"),
            models.CheckConstraint(condition=Q(low__lt=F("high")), name="link_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.low_id} ~ {self.high_id} ({self.kind})"

    def other(self, dispute_id: int) -> int:
        return self.high_id if self.low_id == dispute_id else self.low_id
