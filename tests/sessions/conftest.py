"""Sessions fixtures: a dispute in mediation with its rooms; times relative to now."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from mediation.models import Room


@pytest.fixture
def mediating(dispute, advance):
    return advance(dispute, "in_mediation")


@pytest.fixture
def rooms(mediating):
    """{"joint": room, "claimant": caucus, "respondent": caucus}."""
    return {room.party or "joint": room for room in Room.objects.filter(dispute=mediating)}


@pytest.fixture
def calls(outbox, settings):
    """The call files the file telephony backend wrote (var/outbox/calls/)."""

    def read() -> list[dict]:
        folder = settings.OUTBOX_DIR / "calls"
        files = sorted(folder.glob("*.json")) if folder.exists() else []
        return [json.loads(f.read_text(encoding="utf-8")) for f in files]

    return read


def soon(**delta) -> dt.datetime:
    return (timezone.now() + dt.timedelta(**delta)).replace(microsecond=0)
