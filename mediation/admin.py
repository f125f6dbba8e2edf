from django.contrib import admin

from .models import Assignment, AssignmentFlag, Committee, MediatorProfile, Message, RecusalRequest, Room


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "region"]
    autocomplete_fields = ["region"]


@admin.register(MediatorProfile)
class MediatorProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "committee",
        "max_caseload",
        "active",
        "on_leave_from",
        "on_leave_until",
        "average_rating",
    ]
    list_filter = ["active", "committee", "expertise"]
    search_fields = ["user__full_name", "user__username"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["expertise"]
    readonly_fields = ["last_assigned_at", "rating_count", "rating_sum"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "dispute",
        "mediator",
        "method",
        "rank",
        "candidates",
        "assigned_at",
        "accepted_at",
        "end_reason",
    ]
    list_filter = ["method", "end_reason"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AssignmentFlag)
class AssignmentFlagAdmin(admin.ModelAdmin):
    list_display = ["dispute", "reason", "at"]


@admin.register(RecusalRequest)
class RecusalRequestAdmin(admin.ModelAdmin):
    list_display = ["dispute", "mediator", "requested_by", "status", "created_at", "decided_at"]
    list_filter = ["status"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """Read-only: the chat record is evidence."""

    list_display = ["dispute", "kind", "party", "last_seq"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(RoomAdmin):
    list_display = ["room", "seq", "author", "sent_at"]
    list_filter = []
