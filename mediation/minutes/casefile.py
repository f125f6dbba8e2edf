"""The minutes in the case file and in a party's own-data export (docs/features/minutes.md).

The case file takes the finalised minutes of JOINT sessions only: a caucus session's minutes
are read nowhere here. The export gives a person the finalised minutes of the sessions they
were present at, in the joint room or their own caucus, never the other party's caucus."""

from __future__ import annotations

from django.utils import timezone

from ..models import Minutes, Room
from . import access, document


def _row(minutes: Minutes) -> dict:
    session = minutes.session
    sides = document.side_labels()
    return {
        "session": session.pk,
        "starts_at": timezone.localtime(session.starts_at),
        "mode": session.get_mode_display(),
        "place": session.place,
        "phone": session.mode == session.Mode.PHONE,
        "version": minutes.version,
        "finalised_at": minutes.finalised_at,
        "present": document.present_rows(minutes),
        "others": minutes.others,
        "statements": [{**s, "side_label": sides.get(s["side"], s["side"])} for s in minutes.statements],
        "agreed": minutes.agreed,
        "mediator": minutes.written_by.full_name or minutes.written_by.display_name,
        "confirmations": [
            {"name": c.name, "role": sides.get(c.role, c.role), "at": c.confirmed_at}
            for c in access.confirmations(minutes)
        ],
        "sha256": minutes.sha256,
        "history": minutes.history,
    }


def joint_minutes(dispute) -> dict:
    """The dossier's section: its labels (active language) and the joint sessions' minutes."""
    found = (
        Minutes.objects.filter(
            session__dispute=dispute, session__room__kind=Room.Kind.JOINT, finalised_at__isnull=False
        )
        .select_related("session__room", "session__dispute", "written_by")
        .order_by("session__starts_at", "pk")
    )
    return {"L": document.minutes_labels(), "rows": [_row(m) for m in found]}


def own_minutes(user, dispute_ids: list[int], roles: dict) -> list[dict]:
    """Finalised minutes of sessions `user` was present at: joint rooms and their own caucus."""
    found = (
        Minutes.objects.filter(session__dispute_id__in=dispute_ids, present=user, finalised_at__isnull=False)
        .select_related("session__room", "session__dispute", "written_by")
        .order_by("session__dispute_id", "session__starts_at", "pk")
    )
    rows = []
    for m in found:
        room = m.session.room
        if room.kind != Room.Kind.JOINT and room.party != roles.get(m.session.dispute_id):
            continue
        row = _row(m)
        rows.append(
            {
                "dispute_id": m.session.dispute_id,
                "room": room.kind,
                "session": row["session"],
                "starts_at": row["starts_at"].isoformat(),
                "version": row["version"],
                "statements": [{k: s[k] for k in ("speaker", "side", "text")} for s in row["statements"]],
                "agreed": row["agreed"],
                "sha256": row["sha256"],
                "confirmed_by_me": any(c.user_id == user.pk for c in access.confirmations(m)),
            }
        )
    return rows
