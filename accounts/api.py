"""Accounts API: registration, phone verification, tokens, me, regions."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.crypto import blind_index
from core.models import AuditEntry

from . import privacy, reset, services, text_size
from .audit import record_request
from .lockout import client_ip
from .models import PrivacyAcceptance, Region, User
from .phones import ascii_digits, mask_phone, normalize_phone
from .sessions import token_expired, token_expires_at


class PhoneField(serializers.CharField):
    def to_internal_value(self, data):
        try:
            return normalize_phone(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class CodeField(serializers.RegexField):
    """A 6-digit SMS code; digits of any script are read as ASCII (accounts.phones)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": _("Enter the 6-digit code.")})
        super().__init__(r"^[0-9]{6}\Z", **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(ascii_digits(str(data)).strip() if data is not None else data)


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)
    full_name = serializers.CharField(max_length=100)
    phone = PhoneField(max_length=20)
    email = serializers.EmailField(required=False, allow_blank=True)
    # The privacy notice version the user accepted (GET /api/v1/privacy-notice/). Optional for
    # existing clients: without it the account is created and nothing is recorded; the client
    # accepts later (POST /api/v1/privacy-notice/accept/) and the web asks at sign-in.
    privacy_notice = serializers.CharField(required=False, max_length=20)

    def validate_privacy_notice(self, value):
        if value != privacy.current_version():
            raise serializers.ValidationError(
                _("The current privacy notice is version %(version)s: read it and accept that one.")
                % {"version": privacy.current_version()}
            )
        return value

    def validate(self, attrs):
        try:
            password_validation.validate_password(
                attrs["password"], User(username=attrs["username"], full_name=attrs["full_name"])
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs


class VerifyPhoneSerializer(serializers.Serializer):
    phone = PhoneField(max_length=20)
    code = CodeField()


class TokenSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128)


class RegionSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["id", "name", "kind", "parent", "path"]

    def get_name(self, region: Region) -> str:
        return region.display_name()


def me_payload(user: User) -> dict:
    roles = user.staff_roles.select_related("region").order_by("role", "region__path")
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "phone": mask_phone(user.phone) if user.phone else "",
        "phone_verified": user.phone_verified,
        "language": user.language,
        "large_text": user.large_text,
        "roles": [
            {
                "role": r.role,
                "region": {"id": r.region_id, "name": r.region.display_name(), "kind": r.region.kind},
            }
            for r in roles
        ],
    }


class ThrottledAuthView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class RegisterView(ThrottledAuthView):
    @extend_schema(request=RegisterSerializer, responses={201: dict})
    def post(self, request):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("privacy_notice", None)
        with transaction.atomic():
            user = services.register_user(language=_request_language(), **fields)
            if version:
                privacy.accept(user, version, via=PrivacyAcceptance.Via.API, ip=client_ip(request._request))
        return Response(me_payload(user), status=status.HTTP_201_CREATED)


class SendCodeSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    phone = PhoneField(max_length=20)


class SendCodeView(ThrottledAuthView):
    """Send a fresh verification code for an account that has not verified its phone yet."""

    @extend_schema(request=SendCodeSerializer, responses={200: dict})
    def post(self, request):
        data = SendCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = User.objects.filter(
            username=data.validated_data["username"], phone_index=blind_index(data.validated_data["phone"])
        ).first()
        if user is not None:
            services.resend_verification(user)
        # The same answer whether or not such an account waits: nothing leaks.
        return Response({"detail": str(_("If this number awaits verification, a code is on its way."))})


class VerifyPhoneView(ThrottledAuthView):
    @extend_schema(request=VerifyPhoneSerializer, responses={200: dict})
    def post(self, request):
        data = VerifyPhoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.verify_phone(**data.validated_data)
        return Response(me_payload(user))


class TokenView(ThrottledAuthView):
    @extend_schema(
        request=TokenSerializer,
        # Not "Token": that name belongs to TokenSerializer's component (a clash breaks the schema).
        responses={
            200: inline_serializer(
                "TokenIssued", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            )
        },
    )
    def post(self, request):
        data = TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request: the lockout (django-axes) counts failures on it, and its
        # middleware answers 429 for a locked-out account or address (accounts.lockout).
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Wrong username or password."))
        # authenticate() reported a failure itself; a token issued is a sign-in without login().
        record_request(request, AuditEntry.Action.SIGN_IN, actor=user, data={"via": "token"})
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key, "expires_at": token_expires_at(token).isoformat()})


class LogoutView(APIView):
    """Revokes the caller's API token and ends their session, if they have one."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        # Django's logout tells `user_logged_out` who left (the token goes, sockets close),
        # also when the caller came with a token rather than the session.
        request._request.user = request.user
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=150, help_text="The username or the verified phone number.")


class PasswordResetConfirmSerializer(PasswordResetSerializer):
    code = CodeField()
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetView(ThrottledAuthView):
    """Text a reset code to the account's verified phone; the same answer whether or not it exists."""

    @extend_schema(
        request=PasswordResetSerializer,
        responses={202: inline_serializer("PasswordResetRequested", {"detail": serializers.CharField()})},
    )
    def post(self, request):
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reset.request_reset(data.validated_data["login"])
        return Response({"detail": str(reset.SENT)}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(ThrottledAuthView):
    """Set a new password with the texted code: every sign-in of the account ends."""

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={200: inline_serializer("PasswordResetDone", {"detail": serializers.CharField()})},
    )
    def post(self, request):
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reset.reset_password(**data.validated_data, request=request._request)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response({"detail": str(reset.DONE)})


class StrictBooleanField(serializers.BooleanField):
    """true or false, nothing else ("yes", 1, "on" are refused)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class MeSettingsSerializer(serializers.Serializer):
    large_text = StrictBooleanField(required=False)


class MeView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(me_payload(request.user))

    @extend_schema(request=MeSettingsSerializer, responses={200: dict})
    def patch(self, request):
        """The user's page settings: {"large_text": true|false} (docs/features/accessibility.md)."""
        data = MeSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "large_text" in data.validated_data:
            text_size.set_large_text(request.user, data.validated_data["large_text"])
        return Response(me_payload(request.user))


class PrivacyNoticeView(APIView):
    """The current privacy notice: its version, its page and its text (HTML) in the request's
    language; for a signed-in caller also `accepted` (their latest version or null) and
    `needs_acceptance`."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "PrivacyNotice",
                {
                    "version": serializers.CharField(),
                    "language": serializers.CharField(),
                    "url": serializers.CharField(),
                    "html": serializers.CharField(),
                    "accepted": serializers.CharField(allow_null=True, required=False),
                    "needs_acceptance": serializers.BooleanField(required=False),
                },
            )
        }
    )
    def get(self, request):
        body = {
            "version": privacy.current_version(),
            "language": privacy.notice_language(),
            "url": request.build_absolute_uri(reverse("privacy:notice")),
            "html": str(privacy.notice_html()),
        }
        if request.user.is_authenticated:
            # For a signed-in caller: what they last accepted, and whether to ask them now.
            status = privacy.status(request.user)
            body.update(accepted=status["accepted"], needs_acceptance=status["needs_acceptance"])
        return Response(body)


class PrivacyAcceptSerializer(serializers.Serializer):
    version = serializers.CharField(max_length=20)


class PrivacyAcceptView(APIView):
    """The caller accepts the current privacy notice; accepting it again records nothing more."""

    @extend_schema(
        request=PrivacyAcceptSerializer,
        responses={
            200: inline_serializer(
                "PrivacyStatus",
                {
                    "current": serializers.CharField(),
                    "accepted": serializers.CharField(allow_null=True),
                    "needs_acceptance": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request):
        data = PrivacyAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = data.validated_data["version"]
        if version != privacy.current_version():
            raise serializers.ValidationError(
                {
                    "version": [
                        _("The current privacy notice is version %(version)s: read it and accept that one.")
                        % {"version": privacy.current_version()}
                    ]
                }
            )
        if privacy.needs_acceptance(request.user):
            privacy.accept(
                request.user, version, via=PrivacyAcceptance.Via.API, ip=client_ip(request._request)
            )
        return Response(privacy.status(request.user))


class RegionListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: RegionSerializer(many=True)})
    def get(self, request):
        regions = Region.objects.all()
        kind = request.query_params.get("kind")
        if kind:
            if kind not in Region.Kind.values:
                raise serializers.ValidationError({"kind": [_("Unknown kind.")]})
            regions = regions.filter(kind=kind)
        return Response(RegionSerializer(regions, many=True).data)


def _request_language() -> str:
    lang = get_language() or "zh-hans"
    return "en" if lang.startswith("en") else "zh-hans"
