from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.crypto import blind_index

from .models import Place, Region, StaffRole, User
from .phones import mask_phone


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Tiaojie", {"fields": ("full_name", "phone", "phone_verified", "id_number", "language")}),
    )
    list_display = ["username", "full_name", "masked_phone", "phone_verified", "is_staff", "is_active"]
    # The phone is sealed at rest: a search term also matches a whole phone number exactly,
    # through its blind index (docs/personal-data-encryption.md).
    search_fields = ["username", "full_name"]
    inlines = [StaffRoleInline]

    @admin.display(description=_("phone"))
    def masked_phone(self, user) -> str:
        """Lists show phones masked; the change form shows the stored value to correct it, and
        each change is audited (docs/personal-data-masking.md)."""
        return mask_phone(user.phone) if user.phone else ""

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(phone_index=blind_index(search_term.strip()))
        return found, may_have_duplicates


class PlaceInline(admin.TabularInline):
    """The places residents name in a grid (docs/features/places.md); shown on grids only."""

    model = Place
    extra = 1
    fields = ["name", "name_en", "pinyin", "initials"]
    readonly_fields = ["pinyin", "initials"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en", "pinyin", "initials"]
    readonly_fields = ["path", "pinyin", "initials"]

    def get_inlines(self, request, obj):
        return [PlaceInline] if obj is not None and obj.kind == Region.Kind.GRID else []


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """Places with their search keys; searched by name, pinyin, initials or grid."""

    list_display = ["name", "name_en", "grid", "pinyin", "initials"]
    search_fields = ["name", "name_en", "pinyin", "initials", "grid__name"]
    readonly_fields = ["pinyin", "initials"]
    exclude = ["grams"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "region"]
