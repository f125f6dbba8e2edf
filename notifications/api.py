"""GET /api/v1/notifications/, POST …/{id}/read/, POST …/read-all/, GET/PUT …/preferences/."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NewestFirst

from . import services
from .models import Notification, Preference


class NotificationSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="kind")
    dispute = serializers.IntegerField(source="dispute_id", allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "link", "dispute", "legal", "created_at", "read", "read_at"]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class PreferenceSerializer(serializers.ModelSerializer):
    sms = serializers.BooleanField()
    email = serializers.BooleanField()
    in_app = serializers.SerializerMethodField()

    class Meta:
        model = Preference
        fields = ["in_app", "sms", "email"]

    def get_in_app(self, obj) -> bool:
        return True  # the inbox always receives every notice


class NotificationListView(generics.ListAPIView):
    """The caller's in-app notices, newest first (cursor pagination)."""

    serializer_class = NotificationSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return services.inbox(self.request.user)


class NotificationReadView(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request, pk: int):
        row = get_object_or_404(services.inbox(request.user), pk=pk)  # others' rows: 404
        return Response(NotificationSerializer(services.mark_read(row)).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        return Response({"marked": services.mark_all_read(request.user)})


class PreferenceView(APIView):
    """Channels for notices without legal weight; legal notices use every channel regardless."""

    @extend_schema(responses={200: PreferenceSerializer})
    def get(self, request):
        return Response(PreferenceSerializer(services.preference_for(request.user)).data)

    @extend_schema(request=PreferenceSerializer, responses={200: PreferenceSerializer})
    def put(self, request):
        data = PreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pref = services.set_preference(
            request.user, sms=data.validated_data["sms"], email=data.validated_data["email"]
        )
        return Response(PreferenceSerializer(pref).data)
