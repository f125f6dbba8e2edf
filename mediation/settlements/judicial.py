"""Judicial confirmation (司法确认) of a sealed settlement, People's Mediation Law art. 33.

After the agreement takes effect (the committee seal), the parties may jointly apply to the
basic people's court within 30 days. Any taking-part party starts the application and signs
it first; every other taking-part party co-signs, in any order (itself, or through an agent
or guardian allowed to sign: signers.py); then it is ready to file. Each signature is made like the
agreement's: explicit agreement, a fresh SMS code bound to this application, an event
certificate whose key is dropped, PAdES B-T. Signing happens before the row lock; the
locked transaction only checks that nothing changed and stores the result.

A beat task (tasks.sweep_judicial_deadlines) reminds whoever has not signed 7 days and
1 day before the window closes, and expires what is not signed by then. Staff record
the court's answer. Services assume the caller may see the dispute (views check that).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PhoneCode, User
from accounts.services import check_phone_code, send_phone_code
from core import audit
from core.errors import ServiceError
from core.models import AuditEntry
from disputes.models import Dispute
from disputes.services import record_event

from ..models import JudicialApplication, JudicialSignature, Settlement, SettlementSignature
from . import agreements, appearance, parties, pki, signers, signing
from .agreements import read_file

Status = JudicialApplication.Status
Role = SettlementSignature.Role


# --- who and when ---------------------------------------------------------------------------------
def window() -> timedelta:
    return timedelta(days=settings.JUDICIAL_WINDOW_DAYS)


def sealed_settlement(dispute: Dispute) -> Settlement | None:
    """The agreement in effect: the sealed version (there is at most one per dispute)."""
    return dispute.settlements.filter(sealed_at__isnull=False).order_by("-version").first()


def application_for(dispute: Dispute) -> JudicialApplication | None:
    return (
        JudicialApplication.objects.filter(dispute=dispute)
        .select_related("settlement")
        .prefetch_related("signatures")
        .first()
    )


def party_role(dispute: Dispute, user: User | None) -> str | None:
    """The side of the first taking-part party a user may sign for (signers.party_signers)."""
    options = signers.party_signers(dispute, user)
    return options[0].role if options else None


def unsigned_parties(application: JudicialApplication, also: set[int] = frozenset()) -> list:
    done = {s.party_id for s in application.signatures.all()} | set(also)
    return [p for p in signers.signing_parties(application.dispute) if p.pk not in done]


def party_users(parties_: list) -> list[User]:
    """The accounts of these parties and of their approved agents and guardians allowed to sign."""
    users = []
    for party in parties_:
        for phone in [party.phone, *(r.phone for r in party.approved_representatives() if r.allows("sign"))]:
            user = parties.account(phone)
            if user is not None and user not in users:
                users.append(user)
    return users


def party_user(dispute: Dispute, role: str) -> User | None:
    phone = dispute.claimant_phone if role == Role.CLAIMANT else dispute.respondent_phone
    return parties.account(phone)


def other_role(role: str) -> str:
    return Role.RESPONDENT if role == Role.CLAIMANT else Role.CLAIMANT


def in_force(dispute: Dispute) -> bool:
    """Settled, or closed because it was fulfilled; a breached agreement (escalated) is not."""
    return dispute.state == Dispute.State.SETTLED or (
        dispute.state == Dispute.State.CLOSED and dispute.outcome == Dispute.Outcome.FULFILLED
    )


def signed_roles(application: JudicialApplication) -> list[str]:
    return [s.role for s in application.signatures.all()]


def awaiting_roles(application: JudicialApplication) -> list[str]:
    """Who must sign next: the initiator first, then every other taking-part party (the
    sides with a party still to sign)."""
    if application.status != Status.AWAITING_SIGNATURES:
        return []
    if not application.signatures.all():
        return [application.initiator_role]
    left = unsigned_parties(application)
    return [r for r in (Role.CLAIMANT, Role.RESPONDENT) if any(p.side == r for p in left)]


def _refuse(message: str, status: int = 409, code: str = "conflict") -> ServiceError:
    return ServiceError(message, code=code, status=status)


# --- starting -----------------------------------------------------------------------------------
def check_start(dispute: Dispute, user: User, now: datetime) -> tuple[Settlement, str]:
    role = party_role(dispute, user)
    if role is None:
        raise _refuse(_("Only the parties can apply for judicial confirmation."), 403, "permission_denied")
    settlement = sealed_settlement(dispute)
    if dispute.state != Dispute.State.SETTLED or settlement is None:
        raise _refuse(_("Judicial confirmation can be requested only for a settlement in effect."))
    if JudicialApplication.objects.filter(settlement=settlement).exists():
        raise _refuse(_("An application for judicial confirmation has already been started."))
    if now >= settlement.sealed_at + window():
        raise _refuse(_("The 30 days for applying for judicial confirmation have passed."))
    return settlement, role


def may_start(dispute: Dispute, user: User, now: datetime | None = None) -> bool:
    try:
        check_start(dispute, user, now or timezone.now())
    except ServiceError:
        return False
    return True


def start(dispute: Dispute, by: User, *, now: datetime | None = None) -> JudicialApplication:
    """A party starts the joint application; the other party is told to co-sign after the starter."""
    now = now or timezone.now()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update(of=("self",)).get(pk=dispute.pk)
        settlement, role = check_start(dispute, by, now)
        application = JudicialApplication.objects.create(
            settlement=settlement, dispute=dispute, initiated_by=by, initiator_role=role, created_at=now,
            deadline_at=settlement.sealed_at + window(),
        )  # fmt: skip
        record_event(
            dispute, "judicial_applied", by,
            payload={"settlement_version": settlement.version, "deadline": application.deadline_at.isoformat()},
            notify=[u for u in party_users(signers.signing_parties(dispute)) if u != by],
        )  # fmt: skip
    return application


# --- signing ------------------------------------------------------------------------------------
def sign_scope(application: JudicialApplication) -> str:
    return f"judicial:{application.pk}"


def check_turn(dispute: Dispute, user: User, now: datetime) -> tuple[JudicialApplication, str]:
    """The application and the user's role if it is their turn to sign; else 403 or 409."""
    application, signer = check_signer(dispute, user, now)
    return application, signer.role


def check_signer(
    dispute: Dispute, user: User, now: datetime, party: int | None = None
) -> tuple[JudicialApplication, signers.Signer]:
    """The application and the signer (side, party, capacity) if it is their turn; else 403
    or 409. The one who started it signs first; then each other taking-part party."""
    options = signers.party_signers(dispute, user)
    if not options:
        raise _refuse(_("Only the parties sign the application."), 403, "permission_denied")
    application = application_for(dispute)
    if application is None:
        raise _refuse(_("No application for judicial confirmation has been started."))
    done = {s.party_id for s in application.signatures.all()}
    signer = signers.choose(options, party, done)
    if signer is None:
        signers.refuse_unknown_party(party)
    if signer.party_id in done:
        raise _refuse(_("You have already signed the application."))
    if application.status != Status.AWAITING_SIGNATURES:
        raise _refuse(_("The application is no longer open for signing."))
    if now >= application.deadline_at:
        raise _refuse(_("The 30 days for applying for judicial confirmation have passed."))
    if not in_force(dispute):
        raise _refuse(_("The settlement is no longer in effect."))
    if not done and user.pk != application.initiated_by_id:
        raise _refuse(_("The party who started the application signs first."))
    return application, signer


def may_sign(dispute: Dispute, user: User, now: datetime | None = None, party: int | None = None) -> bool:
    try:
        check_signer(dispute, user, now or timezone.now(), party)
    except ServiceError:
        return False
    return True


def send_sign_code(
    dispute: Dispute, user: User, *, now: datetime | None = None, party: int | None = None
) -> None:
    """A fresh 6-digit code by SMS, good for this application only. Caller runs in a transaction."""
    application, _signer = check_signer(dispute, user, now or timezone.now(), party)
    if not (user.phone_verified and user.phone):
        raise _refuse(_("Verify your phone number before signing."), 403, "phone_unverified")
    send_phone_code(
        user.phone, purpose=PhoneCode.Purpose.SIGN, language=user.language, user=user,
        scope=sign_scope(application),
    )  # fmt: skip


def sign(
    dispute: Dispute, by: User, *, code: str, now: datetime | None = None, party: int | None = None
) -> JudicialApplication:
    """Sign the application as `by` (the caller has ticked the agreement and given `code`).

    1. Turn and code (a wrong code counts as an attempt, committed). 2. Without any lock:
    render or read the current file and sign it. 3. Write the new file, then under the row
    lock check that no signature was added meanwhile (else 409) and record; the new file is
    deleted if that transaction does not commit, the old one once it does.
    """
    now = now or timezone.now()
    application, who = check_signer(dispute, by, now, party)
    role = who.role
    with transaction.atomic():
        ok = by.phone_verified and check_phone_code(
            by.phone, code, purpose=PhoneCode.Purpose.SIGN, scope=sign_scope(application)
        )
    if not ok:
        raise ServiceError(
            _("The signing code is wrong or has expired; ask for a new one."), code="invalid", field="code"
        )
    from . import pdf  # WeasyPrint is imported only when a document is made

    name = by.full_name or by.username
    try:
        document = read_file(application.pdf) if application.pdf else pdf.judicial_pdf(application)
    except FileNotFoundError as exc:
        raise _refuse(_("The application changed while you were signing; sign again.")) from exc
    base = len(signing.field_names(document))  # from the file itself, checked again under the lock
    with pki.refuse_when_unavailable():  # the token's keys: a 503, nothing changed
        signer = pki.event_signer(name, role, pki.masked_id(by), user=by)
        signed = signing.sign(
            document, signer, field=f"Applicant{base + 1}_{role}", name=name,
            reason=f"{dispute.reference} judicial confirmation {role}",
            appearance=appearance.for_signature(
                document, role=role, language=dispute.language, slot_name=agreements.slot_name(who),
                role_text=agreements.stamp_role(who, name, dispute.language),
            ),
        )  # fmt: skip
    storage = application.pdf.storage
    new_name = storage.save(application.pdf.field.generate_filename(application, "application.pdf"),
                            ContentFile(signed.pdf))  # fmt: skip
    try:
        with transaction.atomic():
            application = _record_signature(dispute, by, who, base, name, signed, new_name, now)
    except BaseException:
        storage.delete(new_name)
        raise
    return application


def _record_signature(dispute, by, who, base, name, signed, new_name, now) -> JudicialApplication:
    role = who.role
    application = JudicialApplication.objects.select_for_update().get(dispute=dispute)
    dispute = Dispute.objects.get(pk=dispute.pk)
    locked, locked_who = check_signer(dispute, by, now, who.party_id)
    if locked.signatures.count() != base or (locked_who.role, locked_who.party_id) != (role, who.party_id):
        raise _refuse(_("The application changed while you were signing; sign again."))
    JudicialSignature.objects.create(
        application=application, signer=by, signer_name=name, role=role, party_id=who.party_id,
        capacity=who.capacity, certificate_serial=signed.serial, certificate_subject=signed.subject,
        signed_at=now,
    )  # fmt: skip
    audit.record(AuditEntry.Action.SIGNATURE, actor=by, dispute=dispute, target=f"judicial:{application.pk}",
                 data={"document": "judicial", "signer_role": role, "certificate_serial": signed.serial})  # fmt: skip
    old = application.pdf.name
    application.pdf.name = new_name
    if old:
        transaction.on_commit(lambda: application.pdf.storage.delete(old))
    left = unsigned_parties(application, {who.party_id})
    record_event(
        dispute, "judicial_signed", by, payload={"signer_role": role, "certificate_serial": signed.serial},
        notify=[u for u in party_users([p for p in signers.signing_parties(dispute) if p.pk != who.party_id])
                if u != by],
    )  # fmt: skip
    if not left:
        application.status = Status.READY
        application.ready_at = now
        application.sha256 = hashlib.sha256(signed.pdf).hexdigest()
        record_event(
            dispute, "judicial_ready", None, payload={"sha256": application.sha256},
            notify=party_users(signers.signing_parties(dispute)),
        )  # fmt: skip
    application.save()
    return application


# --- the court's answer -------------------------------------------------------------------------
def may_record_outcome(dispute: Dispute, user: User) -> bool:
    return dispute.is_grid_worker(user) or dispute.is_case_handler(user)


def record_outcome(dispute: Dispute, by: User, *, confirmed: bool, note: str = "") -> JudicialApplication:
    """Staff record whether the court confirmed the agreement; once, after the application is ready."""
    if not may_record_outcome(dispute, by):
        raise _refuse(_("Only staff of this dispute record the court's answer."), 403, "permission_denied")
    with transaction.atomic():
        application = JudicialApplication.objects.select_for_update().filter(dispute=dispute).first()
        if application is None or application.status != Status.READY:
            raise _refuse(_("The court's answer can be recorded only for an application ready to file."))
        application.status = Status.CONFIRMED if confirmed else Status.NOT_CONFIRMED
        application.outcome_note = note
        application.outcome_by = by
        application.outcome_at = timezone.now()
        application.save()
        record_event(
            dispute, "judicial_outcome", by, reason=note, payload={"confirmed": confirmed},
            notify=party_users(signers.signing_parties(dispute)),
        )  # fmt: skip
    return application


# --- reminders and expiry (beat) ----------------------------------------------------------------
# Days before the window closes → the field that records that reminder was sent.
REMINDER_FIELDS = {7: "reminded_7d_at", 1: "reminded_1d_at"}


def sweep(now: datetime | None = None) -> int:
    """Remind and expire open applications whose window closes within the first reminder.

    Scans the partial index judicial_open_deadline; each step is claimed by a conditional
    UPDATE, so running twice, or twice at once, sends every reminder once.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=max(REMINDER_FIELDS))
    ids = list(
        JudicialApplication.objects.filter(status=Status.AWAITING_SIGNATURES, deadline_at__lte=horizon)
        .order_by("deadline_at")
        .values_list("pk", flat=True)
    )
    return sum(process(pk, now) for pk in ids)


def process(application_id: int, now: datetime) -> int:
    """Expire or remind one application; 1 if something was recorded."""
    application = JudicialApplication.objects.select_related("dispute").get(pk=application_id)
    open_ = JudicialApplication.objects.filter(pk=application_id, status=Status.AWAITING_SIGNATURES)
    dispute = application.dispute
    with transaction.atomic():
        if now >= application.deadline_at:
            if not open_.update(status=Status.EXPIRED, expired_at=now):
                return 0
            record_event(
                dispute, "judicial_expired", None, payload={"deadline": application.deadline_at.isoformat()},
                notify=_parties(dispute),
            )  # fmt: skip
            return 1
        if not in_force(dispute):
            return 0
        days = _reminder_due(application, now)
        if days is None:
            return 0
        claim = {
            REMINDER_FIELDS[d]: now for d in REMINDER_FIELDS if d >= days
        }  # a late sweep skips the older one
        if not open_.filter(**{REMINDER_FIELDS[days]: None}).update(**claim):
            return 0
        left = unsigned_parties(application)
        unsigned = [r for r in (Role.CLAIMANT, Role.RESPONDENT) if any(p.side == r for p in left)]
        record_event(
            dispute, "judicial_reminder", None,
            payload={"days_left": days, "deadline": application.deadline_at.isoformat(), "to": unsigned},
            notify=party_users(left),
        )  # fmt: skip
        return 1


def _reminder_due(application: JudicialApplication, now: datetime) -> int | None:
    """The nearest reminder (in days before the deadline) now due and not yet sent."""
    for days in sorted(REMINDER_FIELDS):
        if now >= application.deadline_at - timedelta(days=days):
            if getattr(application, REMINDER_FIELDS[days]) is None:
                return days
            return None
    return None


def _parties(dispute: Dispute) -> list[User]:
    return party_users(signers.signing_parties(dispute))
