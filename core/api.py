"""The API's shared plumbing: the error envelope, pagination, parsers, throttles."""

from __future__ import annotations

import codecs
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.utils import json
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError

JSON_MAX_BYTES = 1024 * 1024


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This action is not possible in the current state.")
    default_code = "conflict"


def _flatten(errors) -> dict[str, list[str]]:
    """DRF's nested error details as {"field": ["message", ...]} (nested fields dotted)."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and value and not isinstance(value[0], str | exceptions.ErrorDetail):
            for index, sub in enumerate(value):
                walk(f"{prefix}.{index}", sub)
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(prefix or "non_field_errors", []).extend(str(i) for i in items)

    walk("", errors)
    return out


def exception_handler(exc, context):
    """Every error as {"detail", "code", "errors"?} (docs/api.md); `errors` only on 400."""
    if isinstance(exc, ServiceError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.status == 400:
            body["errors"] = {exc.field or "non_field_errors": [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": str(_("Invalid input.")),
            "code": "invalid",
            "errors": _flatten(exc.detail),
        }
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(detail, dict | list):
        detail, code = str(exc.default_detail), exc.default_code
    response.data = {"detail": str(detail), "code": code if isinstance(code, str) else "error"}
    if response.status_code == 400:
        response.data["errors"] = {}
    return response


class Refusal(BasePermission):
    """Base of the apps' permission classes: a refusal is 403 with code "permission_denied"."""

    code = "permission_denied"


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


class LimitedJSONParser(JSONParser):
    """JSON bodies above 1 MB are refused with 413 before they are read; nesting too deep for
    the decoder and numbers out of range (1e309) are a 400, not a server error
    (docs/security.md)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > JSON_MAX_BYTES:
            raise PayloadTooLarge()
        try:
            text = codecs.getreader(get_encoding(parser_context or {}))(stream)
            return json.load(text, parse_float=_finite_float)  # NaN and Infinity refused too
        except RecursionError as exc:
            raise exceptions.ParseError(_("The JSON is nested too deeply.")) from exc
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc


class NewestFirst(CursorPagination):
    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class SoonestDueFirst(CursorPagination):
    """Queues: soonest deadline first; disputes without a deadline last (see `due_sort`)."""

    ordering = ("due_sort", "id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
