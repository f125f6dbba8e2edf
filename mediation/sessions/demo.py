"""Demo sessions (docs/features/sessions.md): for the demo seed, after its disputes exist.

`seed_sessions()` schedules, for a dispute in mediation (the first demo one by default), a joint
session in person on the next working day at 10:00 and a phone session the working day after
at 15:00, through the same service as the mediator's form; again it changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from disputes.models import Dispute

from ..models import Room, Session
from . import services
from .reminders import next_working_day


def seed_sessions(dispute: Dispute | None = None) -> list[Session]:
    if dispute is None:
        dispute = (
            Dispute.objects.filter(
                state=Dispute.State.IN_MEDIATION, mediator__isnull=False, rooms__kind="joint"
            )
            .order_by("pk")
            .first()
        )
    if dispute is None or Session.objects.filter(dispute=dispute).exists():
        return []
    joint = Room.objects.get(dispute=dispute, kind=Room.Kind.JOINT)
    first = next_working_day(timezone.localdate())
    second = next_working_day(first)
    at = lambda day, hour: timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))  # noqa: E731
    place = f"{dispute.grid.name}人民调解室"[:200]
    return [
        services.schedule(
            joint, by=dispute.mediator, mode=Session.Mode.IN_PERSON, starts_at=at(first, 10),
            duration_minutes=90, place=place, note="请携带身份证和相关证据材料。",
        ),
        services.schedule(
            joint, by=dispute.mediator, mode=Session.Mode.PHONE, starts_at=at(second, 15), duration_minutes=45
        ),
    ]  # fmt: skip
