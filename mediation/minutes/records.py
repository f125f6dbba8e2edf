"""Recording, finalising and confirming a session's minutes (docs/features/minutes.md).

The rules:
- Only the dispute's current mediator writes and finalises; the session must not be cancelled,
  must have started, and the dispute must still be in mediation (RECORDING_STATES).
  Recording marks the session held.
- A draft is edited freely. Finalising renders the PDF and fixes the version the parties
  confirm. An edit after finalising reopens the minutes as the next version (a draft again):
  the earlier version's confirmations stay on record but no longer count, and its file's
  SHA-256 stays in `history`.
- The parties recorded as present confirm the finalised version with an SMS code sent to their
  verified phone (accounts' phone codes: 10 minutes, single use, rate-limited), bound to this
  version. Each confirmation re-renders the PDF, which lists who confirmed and when. The
  mediator's authorship is the mediator's confirmation.
"""

from __future__ import annotations

import hashlib
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PhoneCode, User
from accounts.services import check_phone_code, send_phone_code
from core.errors import ServiceError
from disputes.models import Dispute

from ..chat import rooms
from ..models import Minutes, MinutesConfirmation, Session
from . import access, notices

RECORDING_STATES = (
    Dispute.State.MEDIATOR_ASSIGNED,
    Dispute.State.IN_MEDIATION,
    Dispute.State.AWAITING_SIGNATURES,
)
# Parties may still confirm minutes finalised before the dispute moved on; not after it ended
# without a hearing of the matter.
CONFIRMING_STATES = (
    *RECORDING_STATES,
    Dispute.State.SETTLED,
    Dispute.State.ESCALATED,
    Dispute.State.CASE_HANDLING,
)
SIDES = ("claimant", "respondent", "mediator", "other")
MAX_STATEMENTS = 200
MAX_STATEMENT = 5000
MAX_TEXT_TOTAL = 60_000  # everything written, so one render stays well under a second or two
MAX_OTHERS = 20
MAX_NAME = 100
MAX_AGREED = 10_000


def _conflict(message: str, code: str) -> ServiceError:
    return ServiceError(message, code=code, status=409)


def _invalid(message: str, field: str) -> ServiceError:
    return ServiceError(message, code="invalid", field=field)


def require_mediator(session: Session, user: User) -> None:
    if not session.dispute.is_mediator(user):
        raise ServiceError(_("Only the dispute's mediator writes the minutes."), code="forbidden", status=403)


def check_recordable(session: Session, *, now=None) -> None:
    if session.status == Session.Status.CANCELLED:
        raise _conflict(_("This session was cancelled."), "session_cancelled")
    if session.dispute.state not in RECORDING_STATES:
        raise _conflict(_("Minutes can no longer be recorded in this dispute."), "wrong_state")
    if session.starts_at > (now or timezone.now()):
        raise _conflict(_("This session has not started yet."), "not_started")


# --- the payload ------------------------------------------------------------------------------------
def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(_("Enter text."), field)
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise _invalid(_("This field is required."), field)
    if len(value) > limit:
        raise _invalid(_("Keep this under %(n)d characters.") % {"n": limit}, field)
    return value


def clean(session: Session, payload: dict) -> dict:
    """The minutes as stored, from a PUT body or the page's form; ServiceError 400 otherwise."""
    if not isinstance(payload, dict):
        raise _invalid(_("Send a JSON object."), "non_field_errors")
    members = rooms.members(session.room)
    present_ids = payload.get("present", [])
    if not isinstance(present_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in present_ids
    ):
        raise _invalid(_("List the user ids of those present."), "present")
    unknown = [i for i in present_ids if i not in members]
    if unknown:
        raise _invalid(_("Only members of the session's room can be recorded as present."), "present")
    mediator = session.dispute.mediator_id
    present = sorted(set(present_ids) | {mediator})
    others_in = payload.get("others", [])
    if not isinstance(others_in, list) or len(others_in) > MAX_OTHERS:
        raise _invalid(_("At most %(n)d other people.") % {"n": MAX_OTHERS}, "others")
    others = []
    for item in others_in:
        if not isinstance(item, dict):
            raise _invalid(_("Each other person is {name, capacity}."), "others")
        others.append(
            {
                "name": _text(item.get("name"), "others", MAX_NAME, required=True),
                "capacity": _text(item.get("capacity"), "others", MAX_NAME),
            }
        )
    statements_in = payload.get("statements", [])
    if not isinstance(statements_in, list) or len(statements_in) > MAX_STATEMENTS:
        raise _invalid(_("At most %(n)d statements.") % {"n": MAX_STATEMENTS}, "statements")
    statements = [_statement(item, members, present) for item in statements_in]
    agreed = _text(payload.get("agreed"), "agreed", MAX_AGREED)
    total = len(agreed) + sum(len(s["text"]) for s in statements)
    if total > MAX_TEXT_TOTAL:
        raise _invalid(
            _("The minutes are too long; keep them under %(n)d characters.") % {"n": MAX_TEXT_TOTAL},
            "statements",
        )
    return {"present": present, "others": others, "statements": statements, "agreed": agreed}


def _statement(item, members: dict, present: list[int]) -> dict:
    if not isinstance(item, dict):
        raise _invalid(_("Each statement is {speaker_id or speaker, side, text}."), "statements")
    text = _text(item.get("text"), "statements", MAX_STATEMENT, required=True)
    speaker_id = item.get("speaker_id")
    if speaker_id is not None:
        if speaker_id not in present or isinstance(speaker_id, bool):
            raise _invalid(_("A speaker with an account must be recorded as present."), "statements")
        member = members[speaker_id]
        return {"speaker_id": speaker_id, "speaker": member["name"], "side": member["role"], "text": text}
    side = item.get("side")
    if side not in SIDES:
        raise _invalid(_("Choose the side: claimant, respondent, mediator or other."), "statements")
    name = _text(item.get("speaker"), "statements", MAX_NAME, required=True)
    return {"speaker_id": None, "speaker": name, "side": side, "text": text}


# --- recording ----------------------------------------------------------------------------------------
def record(session: Session, by: User, payload: dict) -> Minutes:
    """Create or edit the minutes (the mediator); an edit after finalising opens the next version."""
    require_mediator(session, by)
    check_recordable(session)
    data = clean(session, payload)
    now = timezone.now()
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status == Session.Status.CANCELLED:
            raise _conflict(_("This session was cancelled."), "session_cancelled")
        minutes = Minutes.objects.select_for_update().filter(session=session).first()
        if minutes is None:
            minutes = Minutes(session=session, written_by=by, created_at=now)
        elif minutes.finalised_at is not None:
            old = minutes.pdf.name if minutes.pdf else ""
            minutes.version += 1
            minutes.finalised_at = None
            minutes.pdf = ""
            minutes.sha256 = ""
            if old:
                transaction.on_commit(partial(minutes.pdf.storage.delete, old))
        minutes.others = data["others"]
        minutes.statements = data["statements"]
        minutes.agreed = data["agreed"]
        minutes.written_by = by
        minutes.updated_at = now
        minutes.save()
        minutes.present.set(data["present"])
        if locked.status != Session.Status.HELD:
            locked.status = Session.Status.HELD
            locked.version += 1
            locked.updated_at = now
            locked.save(update_fields=["status", "version", "updated_at"])
            session.status = locked.status
    return minutes


def finalise(session: Session, by: User) -> Minutes:
    """Fix this version for confirmation: render and store its PDF; tell the parties present."""
    require_mediator(session, by)
    check_recordable(session)
    with transaction.atomic():
        minutes = Minutes.objects.select_for_update().filter(session=session).first()
        if minutes is None:
            raise _conflict(_("There are no minutes to finalise yet."), "no_minutes")
        if minutes.finalised_at is not None:
            raise _conflict(_("These minutes are already finalised."), "already_finalised")
        if not minutes.statements and not minutes.agreed:
            raise _conflict(_("Record at least one statement or what was agreed first."), "empty")
        minutes.finalised_at = timezone.now()
        _store(minutes, "finalised")
        notices.ready(minutes, access.confirming_parties(minutes))
    return minutes


# --- confirming ---------------------------------------------------------------------------------------
def code_scope(minutes: Minutes) -> str:
    return f"minutes:{minutes.pk}:v{minutes.version}"


def _check_confirmer(session: Session, user: User) -> tuple[Minutes, str]:
    minutes = access.minutes_of(session)
    role = access.party_role(session, user)
    if role is None or minutes is None or not minutes.present.filter(pk=user.pk).exists():
        raise ServiceError(
            _("Only the parties present at the session confirm its minutes."), code="forbidden", status=403
        )
    if session.status == Session.Status.CANCELLED:
        raise _conflict(_("This session was cancelled."), "session_cancelled")
    if minutes.finalised_at is None:
        raise _conflict(_("The minutes are not finalised yet."), "not_finalised")
    if session.dispute.state not in CONFIRMING_STATES:
        raise _conflict(_("Minutes can no longer be confirmed in this dispute."), "wrong_state")
    if minutes.confirmations.filter(version=minutes.version, user=user).exists():
        raise _conflict(_("You have already confirmed these minutes."), "already_confirmed")
    if not (user.phone_verified and user.phone):
        raise ServiceError(_("Verify your phone number first."), code="phone_unverified", status=403)
    return minutes, role


def send_confirm_code(session: Session, user: User) -> None:
    """Send a code, good for this version of these minutes only, to the caller's verified phone."""
    minutes, _role = _check_confirmer(session, user)
    with transaction.atomic():
        send_phone_code(
            user.phone, purpose=PhoneCode.Purpose.SIGN, language=user.language, user=user,
            scope=code_scope(minutes),
        )  # fmt: skip


def confirm(session: Session, user: User, code) -> MinutesConfirmation:
    """Confirm the current version with the SMS code; the PDF is rendered again with it."""
    minutes, role = _check_confirmer(session, user)
    code = code if isinstance(code, str) else ""
    with transaction.atomic():  # a wrong code counts as an attempt although confirming fails
        ok = check_phone_code(
            user.phone, code[:12], purpose=PhoneCode.Purpose.SIGN, scope=code_scope(minutes)
        )
    if not ok:
        raise _invalid(_("The code is wrong or has expired; ask for a new one."), "code")
    with transaction.atomic():
        locked = Minutes.objects.select_for_update().get(pk=minutes.pk)
        if locked.version != minutes.version or locked.finalised_at is None:
            raise _conflict(_("The minutes changed meanwhile; read them again."), "conflict")
        confirmation, created = MinutesConfirmation.objects.get_or_create(
            minutes=locked, version=locked.version, user=user,
            defaults={"role": role, "name": user.full_name or user.display_name},
        )  # fmt: skip
        if not created:
            raise _conflict(_("You have already confirmed these minutes."), "already_confirmed")
        _store(locked, "confirmed")
        notices.confirmed(locked, confirmation)
    return confirmation


# --- the file -----------------------------------------------------------------------------------------
def _store(minutes: Minutes, why: str) -> None:
    """Render the current version (with its confirmations), store it, keep its SHA-256."""
    from . import document

    data = document.render(minutes)
    old = minutes.pdf.name if minutes.pdf else ""
    minutes.sha256 = hashlib.sha256(data).hexdigest()
    minutes.pdf.save("minutes.pdf", ContentFile(data), save=False)
    minutes.history = [
        *minutes.history,
        {"version": minutes.version, "sha256": minutes.sha256, "at": timezone.now().isoformat(), "why": why},
    ]
    minutes.save(update_fields=["finalised_at", "pdf", "sha256", "history"])
    if old:
        storage = minutes.pdf.storage
        transaction.on_commit(partial(storage.delete, old))


def read_pdf(minutes: Minutes) -> bytes:
    with minutes.pdf.storage.open(minutes.pdf.name, "rb") as f:
        return f.read()
