from django.contrib import admin

from .models import Category, Dispute, DisputeEvent, Evidence


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "position"]
    list_editable = ["position"]


class EventInline(admin.TabularInline):
    model = DisputeEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "transition",
        "from_state",
        "to_state",
        "actor",
        "actor_role",
        "reason",
        "payload",
        "at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Read-only: disputes change only through their transitions."""

    list_display = ["reference", "title", "state", "grid", "level", "due_at", "created_at"]
    list_filter = ["state", "category", "level"]
    search_fields = ["reference", "title"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["filename", "dispute", "content_type", "size", "uploaded_by", "uploaded_at"]

    def has_change_permission(self, request, obj=None):
        return False
