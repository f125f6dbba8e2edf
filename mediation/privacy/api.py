"""POST /api/v1/auth/me/delete/: delete the caller's own account (docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import deletion


class DeleteAccountSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class DeleteAccountView(APIView):
    """Anonymise and close the caller's account, confirmed with their password.

    403 `staff_account`, 409 `open_disputes` (while a dispute they take part in is not
    closed), 400 `wrong_password`; a wrong password counts towards the sign-in lockout.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=DeleteAccountSerializer,
        responses={
            200: inline_serializer(
                "AccountDeleted",
                {
                    "detail": serializers.CharField(),
                    "disputes": serializers.IntegerField(),
                    "notifications": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request):
        user = request.user
        if (refused := deletion.refusal(user)) is not None and refused.code == "staff_account":
            raise refused  # before the payload: staff never get further
        data = DeleteAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counts = deletion.delete_account(user, data.validated_data["password"], request=request._request)
        return Response({"detail": _("Your account is deleted."), **counts})
