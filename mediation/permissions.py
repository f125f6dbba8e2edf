"""DRF permission classes for mediation's API, each the face of one rule function.

An API view first fetches the dispute (or room) the caller may see, 404 otherwise; then
DisputeView.check_object_permissions runs these classes, 403 with the rule's own message
(docs/api.md). The wrong moment (409) is the services' answer, after both.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from core.api import Refusal
from disputes.api import visible_dispute
from disputes.models import Dispute


class Rule(Refusal):
    """Grants the view's object to the users `allows(obj, user)` admits; 403 `message` else."""

    message = ""

    def allows(self, obj, user) -> bool:
        raise NotImplementedError

    def has_object_permission(self, request, view, obj) -> bool:
        return self.allows(obj, request.user)


def signed_in_and(*rules: type[Rule]) -> list[type[BasePermission]]:
    """The default (signed in: 401 otherwise), then the rules, in that order."""
    return [IsAuthenticated, *rules]


class DisputeView(APIView):
    """An API view about one dispute: visibility first (404), then its permission classes (403)."""

    def dispute(self, request, pk: int) -> Dispute:
        dispute = visible_dispute(request, pk)
        self.check_object_permissions(request, dispute)
        return dispute
