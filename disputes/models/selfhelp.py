"""Guided self-help before filing (docs/features/self-help.md).

A `Guide` is one path per kind of problem; its content (questions, outcomes, letters, rules)
lives in immutable `GuideVersion`s: editing a guide saves a new version, and a `GuideWalk`
keeps the version it was walked with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Guide(models.Model):
    slug = models.SlugField(unique=True)
    category = models.ForeignKey("disputes.Category", on_delete=models.PROTECT, related_name="guides")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)
    active = models.BooleanField(_("shown to residents"), default=True)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title

    def current(self) -> GuideVersion | None:
        return self.versions.order_by("-number").first()


class GuideVersion(models.Model):
    """One published state of a guide's content; never changed once saved."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["guide", "-number"]
        constraints = [models.UniqueConstraint(fields=["guide", "number"], name="guide_version_unique")]

    def __str__(self) -> str:
        return f"{self.guide.slug} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A guide version is immutable: save a new version instead.")
        super().save(*args, **kwargs)


class GuideWalk(models.Model):
    """One resident's way through a guide: the answers so far and, at the end, the outcome."""

    version = models.ForeignKey(GuideVersion, on_delete=models.PROTECT, related_name="walks")
    answers = models.JSONField(default=list)  # [[question id, option index], ...] in order
    outcome = models.CharField(max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispute = models.ForeignKey(
        "disputes.Dispute", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.version} walk {self.pk}"
