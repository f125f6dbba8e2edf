from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, SuperuserReadOnly

from .models import (
    Assignment,
    AssignmentFlag,
    Committee,
    IssuedCertificate,
    JudicialApplication,
    MediatorProfile,
    Message,
    RecusalRequest,
    Room,
    Settlement,
)


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
class RoomAdmin(ReadOnlyAdmin):
    """Read-only: the chat record is evidence."""

    list_display = ["dispute", "kind", "party", "last_seq"]
    list_filter = ["kind"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["room", "seq", "author", "sent_at"]


# --- signed documents: evidence, changed only by signing and the court's answer ---------------
@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["dispute", "version", "created_at", "sealed_at", "end_reason", "verification_code"]
    list_filter = ["end_reason"]
    search_fields = ["dispute__reference", "verification_code"]
    list_select_related = ["dispute"]


@admin.register(JudicialApplication)
class JudicialApplicationAdmin(ReadOnlyAdmin):
    """Staff record the court's answer on the dispute page, not here."""

    list_display = [
        "dispute",
        "status",
        "initiator_role",
        "created_at",
        "deadline_at",
        "ready_at",
        "outcome_at",
    ]
    list_filter = ["status"]
    search_fields = ["dispute__reference"]
    list_select_related = ["dispute"]


@admin.register(IssuedCertificate)
class IssuedCertificateAdmin(SuperuserReadOnly):
    """The certificate register (docs/features/trust-services.md): read-only but for revoking a
    signer's certificate when the account is found compromised."""

    list_display = [
        "serial",
        "kind",
        "subject",
        "user",
        "issued_at",
        "not_after",
        "revoked_at",
        "revocation_reason",
    ]
    list_filter = ["kind", "revoked_at"]
    search_fields = ["serial", "subject", "user__username"]
    exclude = ["certificate"]
    actions = ["revoke_key_compromise"]

    @admin.action(description=_("Revoke the selected certificates (key compromise)"))
    def revoke_key_compromise(self, request, queryset):
        from django.contrib import messages

        from core.errors import ServiceError

        from .settlements import revocation

        if not request.user.is_superuser:
            raise PermissionDenied
        done = 0
        for row in queryset:
            try:
                revocation.revoke(
                    row, by=request.user, reason="key_compromise", ip=request.META.get("REMOTE_ADDR")
                )
            except ServiceError as exc:
                self.message_user(request, f"{row.serial}: {exc.message}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(count)d certificates revoked.") % {"count": done}, messages.SUCCESS)
