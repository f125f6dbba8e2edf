"""Deadlines: how long a dispute may wait in each state (DESIGN §6)."""

from datetime import datetime

from django.conf import settings


def deadline_for(state: str, start: datetime) -> datetime | None:
    """The due time for a dispute entering `state` at `start`; None for states that wait on nobody."""
    limit = settings.SLA_DEFAULTS.get(state)
    return start + limit if limit else None
