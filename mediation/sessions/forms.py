"""The no-JS forms of the sessions panel and page: their fields as the services take them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError

FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def parse_local(raw: str) -> dt.datetime:
    """A datetime-local input (the platform's time zone) as an aware datetime; 400 otherwise."""
    raw = (raw or "").strip()[:32]
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).replace(tzinfo=timezone.get_current_timezone())
        except ValueError:
            continue
    raise ServiceError(_("Give the date and time."), code="invalid", field="starts_at")


def fields_from(post, *, partial: bool = False) -> dict:
    """The session fields a form posted (all of them for a new session)."""
    data = {}
    if "mode" in post or not partial:
        data["mode"] = post.get("mode", "")
    if "starts_at" in post or not partial:
        data["starts_at"] = parse_local(post.get("starts_at", ""))
    if "duration_minutes" in post or not partial:
        data["duration_minutes"] = post.get("duration_minutes", "60")
    if "place" in post or not partial:
        data["place"] = post.get("place", "")[:300]
    if "note" in post or not partial:
        data["note"] = post.get("note", "")[:2000]
    attendees = post.getlist("attendees")
    if attendees:
        data["attendees"] = attendees[:10]
    return data


def input_value(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
