"""Finding where a dispute arose, as one types (docs/features/places.md).

`suggest(q)` looks for places (estates, buildings, addresses), communities and streets whose
name starts with or contains `q`, or whose full pinyin or pinyin initials start with it, or
whose English name starts with it; best matches first. Each kind of match is one small query
that an index answers in its own order with a LIMIT (accounts migration 0011_places_search):
so the cost does not grow with the number of places.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import ServiceError

from . import pinyin
from .models import Place, Region

MAX_Q = 40
LIMIT = 10
KIND_ORDER = {"place": 0, "community": 1, "street": 2}
SEARCHED_REGIONS = (Region.Kind.COMMUNITY, Region.Kind.STREET)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(raw) -> str:
    """The query with runs of spaces made one; refused (400) when empty, too long or malformed."""
    if not isinstance(raw, str) or _CONTROL.search(raw):
        raise ServiceError(_("Type the name of a place."), code="invalid", field="q")
    q = " ".join(raw.split())
    if not q:
        raise ServiceError(_("Type the name of a place."), code="invalid", field="q")
    if len(q) > MAX_Q:
        raise ServiceError(_("Type at most %(n)d characters.") % {"n": MAX_Q}, code="invalid", field="q")
    return q


def _tier(q: str, key: str, name: str, name_en: str, full: str, initials: str) -> int | None:
    """How well a row matches: 0 the same name, 1 the name's start, 2 the pinyin's start, 3 the
    initials' start, 4 inside the name; None for no match."""
    low = q.lower()
    if name == q or (name_en and name_en.lower() == low) or (key and key in (full, initials)):
        return 0
    if name.startswith(q) or (name_en and name_en.lower().startswith(low)):
        return 1
    if key and full.startswith(key):
        return 2
    if key and initials.startswith(key):
        return 3
    if len(q) > 1 and q in name:
        return 4
    return None


def _place_queries(q: str, key: str, within: Region | None, limit: int) -> list[Place]:
    """Each kind of match as its own query, answered by its index in index order with a LIMIT;
    no join (the grids' names are read once for the chosen few, in `suggest`)."""
    base = Place.objects.only("id", "grid_id", "name", "name_en", "pinyin", "initials")
    if within is not None:
        grids = Region.objects.filter(kind=Region.Kind.GRID, path__startswith=within.path)
        base = base.filter(grid_id__in=list(grids.values_list("pk", flat=True)))
    found: dict[int, Place] = {}

    def take(qs):
        for place in qs[:limit]:
            found.setdefault(place.pk, place)

    take(base.filter(name__startswith=q).order_by("name"))
    if _CJK.search(q):
        if len(q) > 1:
            take(_contains(base, q))
    elif key:
        take(base.filter(pinyin__startswith=key).order_by("pinyin"))
        take(base.filter(initials__startswith=key).order_by("initials"))
        take(base.filter(name_en__istartswith=q).order_by())
    return list(found.values())


def _contains(qs, q: str):
    """Places whose name contains `q`. On PostgreSQL the GIN index over the name's
    two-character pieces finds the candidates; no ORDER BY, so the scan stops at the LIMIT."""
    qs = qs.filter(name__contains=q).order_by()  # no sort: stop at the LIMIT
    if connection.vendor == "postgresql":
        qs = qs.extra(
            where=["string_to_array(accounts_place.grams, ' ') @> %s::text[]"], params=[pinyin.bigrams(q)]
        )
    return qs


def _regions(q: str, key: str, within: Region | None) -> list[Region]:
    match = Q(name__startswith=q) | Q(name_en__istartswith=q)
    if len(q) > 1:
        match |= Q(name__contains=q)
    if key:
        match |= Q(pinyin__startswith=key) | Q(initials__startswith=key)
    qs = Region.objects.filter(match, kind__in=SEARCHED_REGIONS).select_related("parent")
    if within is not None:
        qs = qs.filter(path__startswith=within.path).exclude(pk=within.pk)
    return list(qs.order_by("path")[:50])


def suggest(
    raw_q, *, within: Region | None = None, limit: int = LIMIT, language: str | None = None
) -> list[dict]:
    """Up to `limit` suggestions `{kind, id, name, label, grid, street}`, best first, named in
    `language` (English names where the language is English and one is known)."""
    q = clean_query(raw_q)
    key = "" if _CJK.search(q) else pinyin.keys(q)[0]
    english = (language or get_language() or "").startswith("en")

    def named(name: str, name_en: str) -> str:
        return name_en if english and name_en else name

    scored = []
    for place in _place_queries(q, key, within, limit):
        tier = _tier(q, key, place.name, place.name_en, place.pinyin, place.initials)
        if tier is not None:
            scored.append(((tier, 0, len(place.name), place.name, place.pk), "place", place))
    for region in _regions(q, key, within):
        tier = _tier(q, key, region.name, region.name_en, region.pinyin, region.initials)
        if tier is not None:
            order = KIND_ORDER[region.kind]
            scored.append(((tier, order, len(region.name), region.name, region.pk), region.kind, region))
    scored.sort(key=lambda row: row[0])
    scored = scored[:limit]
    grids = _grids({obj.grid_id for _key, kind, obj in scored if kind == "place"})
    results = []
    for _key, kind, obj in scored:
        name = named(obj.name, obj.name_en)
        if kind == "place":
            grid = grids[obj.grid_id]
            path = grid["path"]
            # A place: its street / community; a community: its street; a street: its district.
            where = " / ".join(
                (
                    named(grid["parent__parent__name"], grid["parent__parent__name_en"]),
                    named(grid["parent__name"], grid["parent__name_en"]),
                )
            )
        else:
            path = obj.path
            where = named(obj.parent.name, obj.parent.name_en) if obj.parent_id else ""
        ids = path.strip("/").split("/")
        results.append(
            {
                "kind": kind,
                "id": obj.pk,
                "name": name,
                "label": f"{name} · {where}" if where else name,
                "grid": obj.grid_id if kind == "place" else None,
                "street": int(ids[1]) if len(ids) > 1 else None,
            }
        )
    return results


def _grids(ids: set[int]) -> dict[int, dict]:
    """The chosen places' grids: path, community and street names, in one query."""
    if not ids:
        return {}
    rows = Region.objects.filter(pk__in=ids).values(
        "pk", "path", "parent__name", "parent__name_en", "parent__parent__name", "parent__parent__name_en"
    )
    return {row["pk"]: row for row in rows}


def scope(raw) -> Region | None:
    """The community or street a search is narrowed to (`within`), or None; 400 when malformed."""
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or len(str(raw)) > 18:
        raise ServiceError(_("Choose a community or a street."), code="invalid", field="within")
    region = Region.objects.filter(pk=int(raw), kind__in=SEARCHED_REGIONS).first()
    if region is None:
        raise ServiceError(_("Choose a community or a street."), code="invalid", field="within")
    return region
