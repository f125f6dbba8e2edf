"""Self-help guides over the API (docs/features/self-help.md): the list, and one guide with its
current version's content. Open to anyone, like the pages."""

from __future__ import annotations

from django.db.models import Max
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes.models import Guide


class GuideSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    category = serializers.CharField(source="category.slug")
    title = serializers.CharField()
    title_en = serializers.CharField()
    version = serializers.IntegerField(source="current_number")


class GuideDetailSerializer(GuideSerializer):
    published_at = serializers.DateTimeField()
    content = serializers.JSONField()


def _guides():
    return (
        Guide.objects.filter(active=True)
        .annotate(current_number=Max("versions__number"))
        .filter(current_number__isnull=False)
        .select_related("category")
    )


class GuideListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: GuideSerializer(many=True)})
    def get(self, request):
        return Response(GuideSerializer(_guides(), many=True).data)


class GuideDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: GuideDetailSerializer})
    def get(self, request, slug: str):
        guide = get_object_or_404(_guides(), slug=slug)
        version = guide.versions.get(number=guide.current_number)
        guide.published_at, guide.content = version.published_at, version.content
        return Response(GuideDetailSerializer(guide).data)
