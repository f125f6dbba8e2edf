from django.contrib import admin

from .models import Assignment, AssignmentFlag, Committee, MediatorProfile, RecusalRequest


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
