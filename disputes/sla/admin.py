"""Deadline policies and the holiday calendar in the Django admin: saving drops the cached
table at once (disputes.sla.policies.forget_table)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from disputes.models import Holiday, SlaNotice, SlaPolicy

from .rules import TIMEOUT_TRANSITIONS


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "state",
        "duration",
        "unit",
        "working_days",
        "reminders",
        "home_visit",
        "breach_action",
        "active",
    ]
    list_editable = ["duration", "unit", "working_days", "reminders", "breach_action", "active"]
    list_display_links = ["state"]
    readonly_fields = ["timeout_transition", "updated_at"]
    fields = [
        "state", "duration", "unit", "working_days", "reminders", "home_visit", "breach_action",
        "timeout_transition", "active", "updated_at",
    ]  # fmt: skip

    @admin.display(description=_("timeout transition"))
    def timeout_transition(self, obj: SlaPolicy) -> str:
        return TIMEOUT_TRANSITIONS.get(obj.state, "—")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(SlaNotice)
class SlaNoticeAdmin(admin.ModelAdmin):
    """Read-only: what the SLA engine has done, one row per step."""

    list_display = ["dispute", "kind", "due_at", "lead", "at"]
    list_filter = ["kind"]
    list_select_related = ["dispute"]
    raw_id_fields = ["dispute"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
