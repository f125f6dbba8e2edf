from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Category,
    Dispute,
    DisputeEvent,
    DisputeParty,
    Evidence,
    InfoRequest,
    Rating,
    Representative,
    Review,
)


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
class DisputeAdmin(ReadOnlyAdmin):
    """Read-only: disputes change only through their transitions."""

    list_display = ["reference", "title", "state", "grid", "level", "due_at", "created_at"]
    list_filter = ["state", "category", "level"]
    search_fields = ["reference", "title"]
    inlines = [EventInline]


@admin.register(InfoRequest)
class InfoRequestAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "party", "asked_by", "asked_at", "due_at", "answered_at"]
    list_filter = ["party"]
    search_fields = ["dispute__reference"]
    list_select_related = ["dispute", "asked_by"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "party", "score", "mediator", "at"]
    list_filter = ["score", "party"]
    search_fields = ["dispute__reference"]
    list_select_related = ["dispute", "mediator"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """Answered on the review page by a street supervisor (disputes.ratings.services)."""

    list_display = ["dispute", "opened_at", "due_at", "finding", "answered_by", "answered_at"]
    list_filter = ["finding"]
    search_fields = ["dispute__reference"]
    list_select_related = ["dispute", "answered_by"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """Evidence is never edited or removed: the files and their SHA-256 are the record."""

    list_display = ["filename", "dispute", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["dispute__reference", "sha256"]


@admin.register(DisputeParty)
class DisputePartyAdmin(ReadOnlyAdmin):
    """Parties change through intake (disputes.parties); phones and addresses are not shown
    here (docs/personal-data-masking.md)."""

    list_display = ["dispute", "side", "position", "kind", "name", "uscc", "answer", "withdrawn_at"]
    list_filter = ["side", "kind", "answer"]
    search_fields = ["dispute__reference", "name", "uscc"]
    list_select_related = ["dispute"]
    exclude = ["phone", "phone_index", "address", "email"]


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    """Checked by a grid worker of the dispute's grid on the dispute page, never here."""

    list_display = ["party", "kind", "relation", "name", "status", "checked_by", "checked_at"]
    list_filter = ["kind", "status"]
    search_fields = ["party__dispute__reference", "name"]
    list_select_related = ["party__dispute", "checked_by"]
    exclude = ["phone", "phone_index", "authorisation"]


# The deadline policies and calendar are registered by the SLA package, the guides by self-help.
from .selfhelp import admin as selfhelp_admin  # noqa: E402, F401
from .sla import admin as sla_admin  # noqa: E402, F401
