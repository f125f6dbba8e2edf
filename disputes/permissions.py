"""DRF permission classes of the disputes API (docs/api.md).

Visibility comes first and answers 404 (disputes.api.visible_dispute): object permissions
are checked on a dispute the caller may see, by `self.check_object_permissions(request,
dispute)`, and refuse with 403 and the envelope {"detail", "code": "permission_denied"}.
Each class names the rule it applies; the rules live with their feature.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.api import Refusal
from core.errors import ServiceError

from . import language, services
from .casework import info_requests
from .ratings import rules as rating_rules
from .reports import scope


class MayFireTransition(Refusal):
    """Someone who may ever fire the URL's transition on this dispute (disputes.services.may_ever)."""

    message = _("You may not do this to this dispute.")

    def has_object_permission(self, request, view, obj) -> bool:
        return services.may_ever(obj, view.kwargs["name"], request.user)


class MayChangeLanguage(Refusal):
    """The staff in charge of the dispute (disputes.language.may_change)."""

    message = _("Only the mediator, a grid worker or the case handler can change the documents' language.")

    def has_object_permission(self, request, view, obj) -> bool:
        return language.may_change(obj, request.user)


class IsParty(Refusal):
    """A party of the dispute (ratings.rules.party_of)."""

    message = _("Only the parties can rate a dispute.")

    def has_object_permission(self, request, view, obj) -> bool:
        return rating_rules.party_of(obj, request.user) is not None


class IsCaseHandler(Refusal):
    """For writes: a case handler of the dispute (casework.info_requests.may_ask); reads pass."""

    message = _("You may not do this.")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return info_requests.may_ask(obj, request.user)


class IsSupervisor(Refusal):
    """A supervisor anywhere (ratings.rules.may_see_reviews)."""

    message = _("Reviews are for supervisors.")

    def has_permission(self, request, view) -> bool:
        return rating_rules.may_see_reviews(request.user)


class MayViewCockpit(Refusal):
    """A grid worker or case handler, or a superuser (reports.scope.may_view)."""

    message = _("The cockpit is for grid and case staff.")

    def has_permission(self, request, view) -> bool:
        return scope.may_view(request.user)


class ExportFormat(BasePermission):
    """Not a permission: the export's file type, checked (400) after sign-in and before the
    cockpit rule, the order the export has always answered in."""

    def has_permission(self, request, view) -> bool:
        if request.query_params.get("format", "csv") not in ("csv", "xlsx"):
            raise ServiceError(_("Choose csv or xlsx."), code="invalid", field="format")
        return True
