"""The audit log in the admin: read-only, for superusers (docs/personal-data-audit.md)."""

from django.contrib import admin

from . import adminlog
from .models import AuditAnchor, AuditCheck, AuditEntry

# Bulk deletions are recorded in the audit log (core.adminlog).
admin.site.add_action(adminlog.delete_selected, "delete_selected")


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their service functions (transitions, answers,
    signatures, the audit log): staff look them up here, they do not edit them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserReadOnly(ReadOnlyAdmin):
    """Read-only, and only superusers look."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(AuditEntry)
class AuditEntryAdmin(SuperuserReadOnly):
    list_display = ["index", "at", "action", "actor", "dispute_id", "target", "ip"]
    list_filter = ["action", "at"]
    search_fields = ["actor", "target"]
    date_hierarchy = "at"
    fields = [
        "index", "at", "action", "actor_id", "actor", "dispute_id", "target", "data", "ip", "prev_hash", "hash",
    ]  # fmt: skip
    readonly_fields = fields
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is not needed


@admin.register(AuditAnchor)
class AuditAnchorAdmin(SuperuserReadOnly):
    list_display = ["index", "hash", "at"]
    fields = ["index", "hash", "at"]
    readonly_fields = fields


@admin.register(AuditCheck)
class AuditCheckAdmin(SuperuserReadOnly):
    list_display = ["at", "entries", "broken_index", "reason", "alerted"]
    list_filter = ["alerted"]
    fields = list_display
    readonly_fields = fields
