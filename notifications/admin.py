from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Delivery status, attempts and the last error of every outbox row (read-only)."""

    list_display = (
        "id",
        "kind",
        "channel",
        "masked_address",
        "user",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "legal", "kind")
    # `address` is sealed at rest and cannot be searched (docs/personal-data-encryption.md).
    search_fields = ("title", "user__username")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    raw_id_fields = ("user", "dispute", "event")
    actions = ["retry_now"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("address"))
    def masked_address(self, row) -> str:
        return row.masked_address

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Send again now (failed or pending rows)"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        from .tasks import queue

        rows = list(queryset.filter(status__in=["failed", "pending"]).values_list("pk", flat=True))
        queryset.filter(pk__in=rows).update(
            status="pending", next_attempt_at=timezone.now(), queued_at=timezone.now()
        )
        queue(rows)
        self.message_user(
            request, ngettext("%d notification queued.", "%d notifications queued.", len(rows)) % len(rows)
        )


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "sms", "email")
    raw_id_fields = ("user",)
