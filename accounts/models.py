"""Users, the region tree and staff roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import BlindIndexed, BlindIndexField, EncryptedTextField

from .phones import validate_id_number


class User(BlindIndexed, AbstractUser):
    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    full_name = models.CharField(_("full name"), max_length=100)
    # Sealed at rest; looked up by `phone_index` (docs/personal-data-encryption.md).
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True)
    phone_index = BlindIndexField(source="phone", db_index=True)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    id_number = EncryptedTextField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    address = EncryptedTextField(_("address"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    # Pages in large text (docs/features/accessibility.md): the "large text" switch in the header.
    large_text = models.BooleanField(_("large text"), default=False)
    # The version of the privacy notice the user last accepted ("" for none), copied from their
    # latest PrivacyAcceptance so the page check reads the user row alone (accounts.privacy).
    privacy_notice_version = models.CharField(
        _("privacy notice accepted"), max_length=20, blank=True, default="", editable=False
    )

    class Meta:
        constraints = [
            # A verified phone identifies one person: it is how respondents are linked.
            models.UniqueConstraint(
                fields=["phone_index"], condition=Q(phone_verified=True), name="one_user_per_verified_phone"
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Region(models.Model):
    """A node of the tree district → street → community → grid.

    `path` is a materialised path ("/1/4/9/") so a subtree is one indexed prefix scan.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")
        COMMUNITY = "community", _("Community")
        GRID = "grid", _("Grid")

    DEPTH = {Kind.DISTRICT: 0, Kind.STREET: 1, Kind.COMMUNITY: 2, Kind.GRID: 3}

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"], name="region_kind_path")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.parent and Region.DEPTH[self.kind] != Region.DEPTH[self.parent.kind] + 1:
            raise ValueError(f"A {self.kind} cannot sit under a {self.parent.kind}")
        if self.parent is None and self.kind != Region.Kind.DISTRICT:
            raise ValueError("Only a district can be a root")
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            Region.objects.filter(pk=self.pk).update(path=path)

    @property
    def depth(self) -> int:
        return Region.DEPTH[self.kind]

    def covers(self, other: Region) -> bool:
        return other.path.startswith(self.path)

    def ancestor_ids(self) -> list[int]:
        """Ids of the nodes from the district down to this one (index = depth), read from `path`."""
        return [int(pk) for pk in self.path.strip("/").split("/")]

    def display_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        lang = language or get_language() or settings.LANGUAGE_CODE
        return self.name_en if lang.startswith("en") and self.name_en else self.name


class Place(models.Model):
    """A place residents know by name (an estate, a building, a market, a street address) in
    one grid: filing finds the grid from it (docs/features/places.md), and intake matches
    disputes that arose at the same place."""

    grid = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        limit_choices_to={"kind": "grid"},
        related_name="places",
        verbose_name=_("grid"),
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    # Filled from `name` on save: the full pinyin and its initials, lower case, no spaces.
    pinyin = models.CharField(max_length=600, editable=False, blank=True)
    initials = models.CharField(max_length=200, editable=False, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """A user's staff role on a region node; they see the disputes of that subtree."""

    class Role(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")
        MEDIATOR = "mediator", _("Mediator")
        CASE_HANDLER = "case_handler", _("Case handler")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="staff_roles")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "region"], name="one_role_per_region")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"


class PhoneCode(BlindIndexed, models.Model):
    """A 6-digit code sent by SMS; stored hashed, valid once, for a limited time."""

    class Purpose(models.TextChoices):
        VERIFY = "verify", _("Phone verification")
        SIGN = "sign", _("Signing")
        RESET = "reset", _("Password reset")

    phone = EncryptedTextField(max_length=20)
    phone_index = BlindIndexField(source="phone")
    # The account the code was issued for: only that account can be verified with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.VERIFY)
    # What a signing code may sign (e.g. "settlement:12:v3", "judicial:12"): a code sent for
    # one document never signs another. Empty for phone verification.
    scope = models.CharField(max_length=60, blank=True, default="")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["phone_index", "purpose", "created_at"], name="phonecode_lookup")]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.phone}"


class PrivacyAcceptance(models.Model):
    """One acceptance of one version of the privacy notice (docs/personal-data-rights.md)."""

    class Via(models.TextChoices):
        SIGN_UP = "sign_up", _("Sign-up page")
        PAGE = "page", _("Privacy notice page")
        API = "api", _("API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="privacy_acceptances"
    )
    version = models.CharField(_("version"), max_length=20)
    via = models.CharField(_("accepted on"), max_length=10, choices=Via.choices)
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "accepted_at", "id"]
        verbose_name = _("privacy notice acceptance")
        verbose_name_plural = _("privacy notice acceptances")

    def __str__(self) -> str:
        return f"{self.user_id} {self.version}"
