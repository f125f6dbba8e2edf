"""The query parameters of the dispute lists: one FilterSet for the API, the pages and the export.

`DisputeFilter` serves GET /api/v1/disputes/ and /api/v1/disputes/export/ (strict: a
malformed parameter is 400 with its field's errors, docs/api.md) and the queue page's area
list, which the cockpit's figures link to (lenient: a malformed parameter is ignored).

Each parameter is validated by the DRF serializer field that the API has always used
(ApiField), so the API keeps its error messages and its lenience (`overdue=yes`, `q`
trimmed) on every path. Parameters: state (several), grid, category (a slug), overdue, q,
and from the cockpit region (several), from, to (filing days, inclusive), settled, rating
("any" or "low"). In error bodies `from` and `to` are called `start` and `end`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.fields import empty

from . import selectors
from .models import Dispute, Rating

BIGINT = 2**63 - 1  # an id past the database's 64-bit integers would be a server error, not a filter
# Query parameter → filter (`from` and `to` are Python keywords).
PARAM_NAMES = {"from": "start", "to": "end"}


# These parameters as the OpenAPI schema of GET /api/v1/disputes/ shows them.
LIST_PARAMETERS = [
    OpenApiParameter("state", str, many=True),
    OpenApiParameter("grid", int),
    OpenApiParameter("category", str),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("q", str),
    OpenApiParameter("region", int, many=True, description="only the grids under these regions"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="filed on or after this day"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="filed on or before this day"),
    OpenApiParameter("settled", bool, description="reached a settlement (settled_at set)"),
    OpenApiParameter("rating", str, enum=["any", "low"], description="rated by a party (low: 1 or 2)"),
]


class ApiFieldError(forms.ValidationError):
    """A form error that keeps the DRF field's error detail, for the API's error body."""

    def __init__(self, detail):
        super().__init__("invalid", code="invalid")
        self.detail = detail


class RawWidget(forms.Widget):
    """The raw query value(s); `empty` when the parameter is absent."""

    def __init__(self, multiple: bool = False):
        super().__init__()
        self.multiple = multiple

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return empty
        return data.getlist(name) if self.multiple else data.get(name)


class ApiField(forms.Field):
    """A form field that validates a parameter as a DRF serializer field does."""

    def __init__(self, serializer_field: serializers.Field, multiple: bool = False, **kwargs):
        self.serializer_field = serializer_field
        super().__init__(widget=RawWidget(multiple), **kwargs)

    def clean(self, value):
        if value is empty:
            return None
        try:
            return self.serializer_field.run_validation(value)
        except serializers.ValidationError as exc:
            raise ApiFieldError(exc.detail) from exc


class ApiFilter(django_filters.Filter):
    field_class = ApiField

    def __init__(self, serializer_field: serializers.Field, *, multiple: bool = False, **kwargs):
        super().__init__(serializer_field=serializer_field, multiple=multiple, **kwargs)


def _boolean() -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, default=None)


class DisputeFilter(django_filters.FilterSet):
    state = ApiFilter(
        serializers.MultipleChoiceField(choices=Dispute.State.choices, required=False),
        multiple=True,
        field_name="state",
        lookup_expr="in",
    )
    grid = ApiFilter(
        serializers.IntegerField(required=False, min_value=1, max_value=BIGINT), field_name="grid_id"
    )
    category = ApiFilter(serializers.SlugField(required=False), field_name="category__slug")
    overdue = ApiFilter(_boolean(), method="filter_overdue")
    q = ApiFilter(serializers.CharField(required=False, max_length=200), method="filter_q")
    # The cockpit's figures link to lists with these (disputes.reports.scope.Filters.params).
    region = ApiFilter(
        serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=BIGINT), required=False, max_length=50
        ),
        multiple=True,
        method="filter_region",
    )
    start = ApiFilter(serializers.DateField(required=False), method="filter_start")
    end = ApiFilter(serializers.DateField(required=False), method="filter_end")
    settled = ApiFilter(_boolean(), method="filter_settled")
    rating = ApiFilter(
        serializers.ChoiceField(choices=["any", "low"], required=False), method="filter_rating"
    )

    MULTI = ("state", "region")

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(None if data is None else self.rename(data), *args, **kwargs)

    @classmethod
    def rename(cls, params) -> QueryDict:
        """The query string with `from`/`to` as start/end (literal start/end are not parameters)."""
        data = QueryDict(mutable=True)
        for key in params:
            if key not in ("start", "end"):
                data.setlist(PARAM_NAMES.get(key, key), params.getlist(key))
        return data

    # --- the two ways to apply it -----------------------------------------------------------------
    @classmethod
    def strict(cls, params, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        """The API: every parameter valid, or 400 with each malformed one's errors."""
        filterset = cls(params, queryset=queryset)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.api_errors())
        return filterset.qs

    @classmethod
    def lenient(cls, params, queryset: QuerySet[Dispute]) -> DisputeFilter:
        """The pages: the valid parameters apply, malformed ones are ignored (use `.qs`)."""
        filterset = cls(params, queryset=queryset)
        filterset.is_valid()
        return filterset

    def api_errors(self) -> dict:
        """{filter name: DRF error detail}, as the API has always answered a malformed parameter."""
        return {name: [e.detail for e in errs.as_data()][0] for name, errs in self.form.errors.items()}

    def params(self) -> dict:
        """The valid filters back as query parameters (for export links), in declaration order."""
        names = {v: k for k, v in PARAM_NAMES.items()}
        out = {}
        for name, value in self.form.cleaned_data.items():
            if value is None or value == "" or value == []:
                continue
            if name == "state":
                value = sorted(value)
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            out[names.get(name, name)] = value
        return out

    # --- the filters that are more than a lookup ----------------------------------------------------
    def filter_overdue(self, qs, name, overdue: bool):
        now = timezone.now()
        return qs.filter(due_at__lt=now) if overdue else qs.filter(Q(due_at__gte=now) | Q(due_at=None))

    def filter_q(self, qs, name, q: str):
        q = q.strip()
        return qs.filter(Q(reference__iexact=q) | Q(title__icontains=q) | Q(description__icontains=q))

    def filter_region(self, qs, name, regions: list[int]):
        return selectors.in_regions(qs, regions)

    def filter_start(self, qs, name, start):
        return selectors.filed_between(qs, start, None)

    def filter_end(self, qs, name, end):
        return selectors.filed_between(qs, None, end)

    def filter_settled(self, qs, name, settled: bool):
        return qs.filter(settled_at__isnull=not settled)

    def filter_rating(self, qs, name, rating: str):
        ratings = Rating.objects.filter(dispute=OuterRef("pk"))
        if rating == "low":
            ratings = ratings.filter(score__lte=Rating.LOW)
        return qs.filter(Exists(ratings))
