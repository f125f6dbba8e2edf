"""Editing guides in the Django admin (docs/features/self-help.md): the content is edited as JSON;
saving a changed content publishes a NEW version (earlier versions and the walks that used them
never change). A malformed content is refused with every fault listed."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from disputes.models import Guide, GuideVersion, GuideWalk

from . import services
from .content import ContentError, validate


class GuideForm(forms.ModelForm):
    content = forms.CharField(
        label=_("Content (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        help_text=_(
            "Saving a changed content publishes a new version; see docs/features/self-help.md for the format."
        ),
    )

    class Meta:
        model = Guide
        fields = ["slug", "category", "position", "title", "title_en", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current() if self.instance.pk else None
        if current is not None:
            self.fields["content"].initial = json.dumps(current.content, ensure_ascii=False, indent=2)

    def clean_content(self):
        try:
            data = json.loads(self.cleaned_data["content"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s"), params={"error": exc}
            ) from exc
        try:
            validate(data)
        except ContentError as exc:
            raise forms.ValidationError(exc.errors) from exc
        return data


class VersionInline(admin.TabularInline):
    model = GuideVersion
    extra = 0
    can_delete = False
    fields = ["number", "published_at", "created_by"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    form = GuideForm
    list_display = ["slug", "title", "title_en", "category", "position", "active"]
    list_editable = ["position", "active"]
    inlines = [VersionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        version, created = services.publish(form.instance, form.cleaned_data["content"], by=request.user)
        if created:
            self.message_user(request, _("Version %(n)s published.") % {"n": version.number})


@admin.register(GuideWalk)
class GuideWalkAdmin(ReadOnlyAdmin):
    list_display = ["id", "version", "outcome", "created_at", "dispute"]
    list_filter = ["version__guide"]
    fields = ["version", "answers", "outcome", "created_at", "dispute"]
    readonly_fields = fields
