"""What the minutes panel shows one reader (templates/mediation/minutes/_panel.html): used by
the minutes page and by the `minutes_panel` tag inside the session page."""

from __future__ import annotations

from ..chat import rooms
from . import access, document, records

BLANK_ROWS = 3  # empty statement rows the form offers; saving offers three more


def panel_context(session, user) -> dict:
    """Empty (`visible` False) for a reader who may not see the session."""
    if not access.may_see(session, user):
        return {"visible": False}
    session.room.dispute = session.dispute
    minutes = access.minutes_of(session)
    is_mediator = session.dispute.is_mediator(user)
    confirmed = access.confirmations(minutes) if minutes else []
    present_ids = set(minutes.present.values_list("pk", flat=True)) if minutes else set()
    members = rooms.members(session.room)
    can_edit = is_mediator and _recordable(session)
    statements = list(minutes.statements) if minutes else []
    may_confirm = bool(
        minutes
        and minutes.finalised_at
        and access.party_role(session, user)
        and user.pk in present_ids
        and user.pk not in {c.user_id for c in confirmed}
        and session.dispute.state in records.CONFIRMING_STATES
        and session.status != session.Status.CANCELLED
    )
    labels = document.side_labels()
    for m in members.values():
        m["role_label"] = labels.get(m["role"], m["role"])
    return {
        "visible": True,
        "session": session,
        "minutes": minutes,
        "confirmations": confirmed,
        "present": list(minutes.present.order_by("pk")) if minutes else [],
        "members": [
            {
                "id": pk,
                "name": m["name"],
                "role": m["role_label"],
                "checked": pk in present_ids or (not minutes and _invited(session, pk)),
            }
            for pk, m in members.items()
        ],
        "can_edit": can_edit,
        "can_finalise": can_edit and minutes is not None and minutes.finalised_at is None,
        "may_confirm": may_confirm,
        "rows": statements + [{"speaker_id": None, "speaker": "", "side": "", "text": ""}] * BLANK_ROWS,
        "others_text": "\n".join(
            f"{o['name']}, {o['capacity']}" if o.get("capacity") else o["name"]
            for o in (minutes.others if minutes else [])
        ),
        "sides": [(side, labels[side]) for side in records.SIDES],
        "statements": [{**s, "side_label": labels.get(s["side"], s["side"])} for s in statements],
    }


def _invited(session, user_id: int) -> bool:
    return session.attendees.filter(pk=user_id).exists()


def _recordable(session) -> bool:
    try:
        records.check_recordable(session)
    except Exception:  # noqa: BLE001 - any refusal means no form
        return False
    return True


def payload_from_form(post) -> dict:
    """The PUT body from the page's form: present[], others (one a line: name, capacity),
    rows of speaker (a user id or "other"), speaker_name, side and text; empty rows dropped."""
    present = [int(v) for v in post.getlist("present") if v.isdigit()]
    others = []
    for line in post.get("others", "").splitlines():
        name, _sep, capacity = line.partition(",")
        if name.strip():
            others.append({"name": name.strip(), "capacity": capacity.strip()})
    statements = []
    speakers, names = post.getlist("speaker"), post.getlist("speaker_name")
    sides, texts = post.getlist("side"), post.getlist("text")
    for i, text in enumerate(texts):
        if not text.strip():
            continue
        speaker = speakers[i] if i < len(speakers) else "other"
        if speaker.isdigit():
            statements.append({"speaker_id": int(speaker), "text": text})
        else:
            statements.append(
                {
                    "speaker": names[i] if i < len(names) else "",
                    "side": sides[i] if i < len(sides) else "other",
                    "text": text,
                }
            )
    return {"present": present, "others": others, "statements": statements, "agreed": post.get("agreed", "")}
