"""Settlement agreements: versions, whose turn it is to sign, signing codes
(docs/features/settlements.md).

The dispute transitions (propose_settlement, sign, decline_settlement, ...) reach these
functions through disputes.hooks, registered by mediation.settlements.hooks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PhoneCode, User
from accounts.services import check_phone_code, send_phone_code
from core import audit
from core.errors import ServiceError
from core.models import AuditEntry
from disputes.models import Dispute

from ..models import JudicialApplication, KeyKind, Settlement, SettlementSignature
from . import signers, signing
from .committee import committee, committee_name

Role = SettlementSignature.Role
PARTIES = (Role.CLAIMANT, Role.RESPONDENT)


def current(dispute: Dispute) -> Settlement | None:
    """The version awaiting signatures or signed; None before any proposal or after a decline."""
    return dispute.settlements.filter(ended_at=None).order_by("-version").first()


def latest(dispute: Dispute) -> Settlement | None:
    return dispute.settlements.order_by("-version").first()


def signer_role(dispute: Dispute, user: User | None) -> str | None:
    """The capacity in which a user signs this dispute's settlement, if any: the side of the
    first party they may sign for, else mediator."""
    options = signers.signers(dispute, user)
    return options[0].role if options else None


def next_signers(signed) -> list[str]:
    """Whose turn it is to sign in a two-party dispute, given the roles that have signed: each
    party that has not (claimant, respondent, in any order between them), then the mediator
    once both have; [] once the mediator has signed. awaiting() is the general rule."""
    if Role.MEDIATOR in signed:
        return []
    parties_left = [r for r in PARTIES if r not in signed]
    return parties_left or [Role.MEDIATOR]


def signed_party_ids(settlement: Settlement) -> set[int]:
    return {s.party_id for s in settlement.signatures.all() if s.party_id is not None}


def parties_to_sign(settlement: Settlement, also_signed: set[int] = frozenset()) -> list:
    """The taking-part parties that have not signed this version (none once it ended or the
    mediator signed)."""
    if settlement.ended_at is not None or settlement.signatures.filter(role=Role.MEDIATOR).exists():
        return []
    done = signed_party_ids(settlement) | set(also_signed)
    return [p for p in signers.signing_parties(settlement.dispute) if p.pk not in done]


def awaiting(settlement: Settlement, also_signed: set[int] = frozenset()) -> list[str]:
    """Whose turn it is: the sides with a party still to sign (claimant, respondent, in any
    order between them and between the parties of a side), then the mediator once every
    taking-part party has; [] once the mediator has signed or the version ended. The one home
    of this rule."""
    if settlement.ended_at is not None or settlement.signatures.filter(role=Role.MEDIATOR).exists():
        return []
    left = parties_to_sign(settlement, also_signed)
    if left:
        return [r for r in PARTIES if any(p.side == r for p in left)]
    return [Role.MEDIATOR]


def sign_notice_targets(event) -> list[tuple[str, str | None]]:
    """Who is told of a signature (disputes.notices.TARGETS["sign"]): the next signers, or
    everyone once the mediator's signature settled it. The event is recorded before the
    signature row is stored, so its signer counts as signed."""
    if event.to_state == Dispute.State.SETTLED:
        return [
            ("claimant", "sign:settled"),
            ("respondent", "sign:settled"),
            ("grid_workers", "sign:followup"),
        ]
    settlement = latest(event.dispute)
    if settlement is None:
        return [(role, None) for role in next_signers({event.actor_role})]
    prepared = event.dispute.__dict__.get("_prepared_signature")
    just_signed = {prepared.party_id} if prepared is not None and prepared.party_id else set()
    return [(role, None) for role in awaiting(settlement, just_signed)]


def roles_to_sign(settlement: Settlement) -> list[str]:
    """awaiting() of a settlement version, from its signatures; [] once it has ended."""
    return awaiting(settlement)


def check_turn(
    dispute: Dispute, user: User, version: int | None = None, party: int | None = None
) -> tuple[Settlement, str]:
    """The settlement and the user's role if it is their turn to sign; else a 409 (or 403)."""
    settlement, signer = check_signer(dispute, user, version, party)
    return settlement, signer.role


def check_signer(
    dispute: Dispute, user: User, version: int | None = None, party: int | None = None
) -> tuple[Settlement, signers.Signer]:
    """The settlement and the signer (role, party, capacity) if it is their turn; else 409 or 403.

    `version`, when the signer gives it, must be the version open for signing: nobody signs
    a proposal other than the one they reviewed. `party` chooses the party when the user
    may sign for several (signers.choose).
    """
    options = signers.signers(dispute, user)
    if not options:
        raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
    settlement = current(dispute) if dispute.state == Dispute.State.AWAITING_SIGNATURES else None
    if settlement is None:
        raise ServiceError(_("There is no settlement awaiting signatures."), code="conflict", status=409)
    if version is not None and version != settlement.version:
        raise ServiceError(
            _("This version of the settlement is no longer open for signing; review the current one."),
            code="conflict",
            status=409,
        )
    done = signed_party_ids(settlement)
    signer = signers.choose(options, party, done)
    if signer is None:
        signers.refuse_unknown_party(party)
    if signer.party is not None and signer.party_id in done:
        raise ServiceError(_("You have already signed this settlement."), code="conflict", status=409)
    if signer.party is None and settlement.signatures.filter(role=Role.MEDIATOR).exists():
        raise ServiceError(_("You have already signed this settlement."), code="conflict", status=409)
    if signer.role not in awaiting(settlement):
        raise ServiceError(
            _("The mediator signs after both parties have signed."), code="conflict", status=409
        )
    return settlement, signer


def may_sign_now(dispute: Dispute, user: User) -> bool:
    try:
        check_turn(dispute, user)
    except ServiceError:
        return False
    return True


# --- hooks for the dispute transitions ------------------------------------------------------------
def on_propose(dispute: Dispute, event) -> Settlement:
    """A new version from the proposal's payload; any open version is superseded."""
    now = timezone.now()
    Settlement.objects.filter(dispute=dispute, ended_at=None).update(
        ended_at=now, end_reason=Settlement.End.SUPERSEDED
    )
    payload = event.payload
    version = (dispute.settlements.aggregate(v=Max("version"))["v"] or 0) + 1
    amount = payload.get("amount")
    deadline = payload.get("performance_deadline")
    return Settlement.objects.create(
        dispute=dispute,
        version=version,
        terms=list(payload["terms"]),
        amount=Decimal(amount) if amount not in (None, "") else None,
        performance_method=payload.get("performance_method", ""),
        performance_deadline=date.fromisoformat(deadline) if deadline else None,
        proposed_by=event.actor,
        created_at=now,
    )


def may_decline(dispute: Dispute, user: User | None) -> bool:
    """A taking-part party, or its agent or guardian allowed to sign, may decline the proposal
    (the mediator does not: they propose a new version instead)."""
    return bool(signers.party_signers(dispute, user))


def resolve_decline(dispute: Dispute, by: User | None, payload: dict) -> dict:
    """Under the row lock: who may decline (may_decline); a declined respondent, a withdrawn
    claimant or an agent not allowed to sign gets the 403 everyone else gets."""
    if by is not None and not may_decline(dispute, by):
        raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
    return dict(payload)


def on_decline(dispute: Dispute, event) -> None:
    Settlement.objects.filter(dispute=dispute, ended_at=None).update(
        ended_at=timezone.now(), end_reason=Settlement.End.DECLINED, end_note=event.reason
    )


def on_withdraw(dispute: Dispute, event) -> None:
    """A dispute withdrawn while awaiting signatures ends the unsigned version."""
    if event.from_state == Dispute.State.AWAITING_SIGNATURES:
        Settlement.objects.filter(dispute=dispute, ended_at=None).update(
            ended_at=timezone.now(), end_reason=Settlement.End.WITHDRAWN
        )


def sign_scope(settlement: Settlement) -> str:
    """What a signing code sent for this version may sign: this version only."""
    return f"settlement:{settlement.pk}"


@dataclass(frozen=True)
class Prepared:
    """A signature made before the row lock, and what it was made on."""

    settlement_id: int
    base_signatures: int
    role: str
    name: str
    signed: signing.Signed
    sealed: signing.Signed | None
    kind: str = KeyKind.EVENT  # KeyKind.HELD: made by the signer's own key (held.complete)
    party_id: int | None = None  # the party signed for (None: the mediator)
    capacity: str = ""


PREPARED = "_prepared"  # payload key: never recorded (hooks.SECRET_KEYS)


def precheck_sign(dispute_id: int, by: User | None, payload: dict) -> None:
    """Before the sign transition's transaction: turn, code, and the signature itself.

    The code check runs in its own transaction so a wrong code counts as an attempt even
    though signing fails. Rendering and signing (0.3–1.2 s) happen here, without any lock;
    resolve_sign then checks under the lock that nothing changed meanwhile. Someone who may
    never sign is left to the transition's own 403.
    """
    dispute = Dispute.objects.filter(pk=dispute_id).first()
    if dispute is None or by is None or signer_role(dispute, by) is None:
        return
    settlement, signer = check_signer(dispute, by, payload.get("version"), payload.get("party"))
    check_sign_code(by, settlement, payload.get("code", ""))
    payload[PREPARED] = prepare_signature(dispute, settlement, by, signer)


def check_sign_code(by: User, settlement: Settlement, code: str) -> None:
    """The SMS signing code for this version, in its own transaction: a wrong code counts as
    an attempt even though signing fails."""
    with transaction.atomic():
        ok = by.phone_verified and check_phone_code(
            by.phone, code, purpose=PhoneCode.Purpose.SIGN, scope=sign_scope(settlement)
        )
    if not ok:
        raise ServiceError(
            _("The signing code is wrong or has expired; ask for a new one."), code="invalid", field="code"
        )


def prepare_signature(dispute: Dispute, settlement: Settlement, by: User, signer: signers.Signer) -> Prepared:
    """Sign the current file (the final agreement for the first signer) under a fresh event
    certificate whose private key is dropped right after; after the mediator, add the seal."""
    from . import appearance, pdf, pki

    role = signer.role
    who = signer  # the Signer; `signer` below is pyHanko's
    name = by.full_name or by.username
    document = document_to_sign(settlement)
    # Counted in the file itself, so the check under the lock compares like with like.
    base = len(signing.field_names(document))
    language = pdf.document_language(dispute)
    with pki.refuse_when_unavailable():  # the token's keys: a 503, nothing changed
        signer = pki.event_signer(name, role, pki.masked_id(by), user=by)
        signed = signing.sign(
            document, signer, field=f"Signature{base + 1}_{role}", name=name,
            reason=f"{dispute.reference} v{settlement.version} {role}",
            appearance=appearance.for_signature(
                document, role=role, language=language, slot_name=slot_name(who),
                role_text=stamp_role(who, name, language),
            ),
        )  # fmt: skip
        sealed = add_seal(dispute, settlement, signed.pdf) if role == Role.MEDIATOR else None
    return Prepared(
        settlement.pk, base, role, name, signed, sealed, party_id=who.party_id, capacity=who.capacity
    )


def slot_name(signer: signers.Signer) -> str:
    """The agreement's slot for this signature: sig-claimant / sig-respondent for the leads
    (as in a two-party agreement), sig-claimant-2 for the claimants' third party, and so on."""
    if signer.party is None or signer.party.is_lead:
        return signer.role
    return f"{signer.role}-{signer.party.position}"


def stamp_role(signer: signers.Signer, name: str, language: str) -> str | None:
    """The visible stamp's second line when someone signs for a party other than as the party
    itself (None: the role, as in a two-party agreement)."""
    from . import labels

    if signer.party is None or signer.capacity == "party":
        return None
    with labels.in_language(language):
        role_label = labels.role_labels()[signer.role]
        words = signers.capacity_labels()
        if signer.capacity == "legal_representative":
            return f"{role_label} {signer.party.name} {words[signer.capacity]}"
        return f"{words[signer.capacity]}{signers.acting_words(signer.capacity, signer.party.name)}"


def document_to_sign(settlement: Settlement) -> bytes:
    """The current file, or the final agreement rendered for the first signer."""
    from . import pdf

    try:
        return read_file(settlement.pdf) if settlement.pdf else pdf.settlement_pdf(settlement, draft=False)
    except FileNotFoundError as exc:  # replaced by a signature committed meanwhile
        raise _changed() from exc


def add_seal(dispute: Dispute, settlement: Settlement, document: bytes) -> signing.Signed:
    """The committee seal after the mediator's signature: the last signature, locking the file."""
    from . import appearance, pdf, pki

    look = appearance.for_signature(
        document, role=Role.COMMITTEE, seal=True, committee_name=committee_name(dispute),
        language=pdf.document_language(dispute),
    )  # fmt: skip
    return signing.sign(
        document, pki.seal_signer(committee(dispute)), field=signing.SEAL_FIELD, name=committee_name(dispute),
        reason=f"{dispute.reference} v{settlement.version} seal", seal=True, appearance=look,
    )  # fmt: skip


def read_file(field) -> bytes:
    with field.storage.open(field.name, "rb") as f:
        return f.read()


def _changed() -> ServiceError:
    return ServiceError(
        _("The settlement changed while you were signing; review it and sign again."),
        code="conflict",
        status=409,
    )


def resolve_sign(dispute: Dispute, by: User | None, payload: dict) -> dict:
    """Under the row lock: the turn again, and the prepared signature must still fit: same
    version, same signatures before it. Otherwise 409 and nothing is stored."""
    if by is None:
        raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
    settlement, signer = check_signer(dispute, by, payload.get("version"), payload.get("party"))
    role = signer.role
    prepared = payload.get(PREPARED)
    if (
        prepared is None
        or (prepared.settlement_id, prepared.role, prepared.party_id)
        != (settlement.pk, role, signer.party_id)
        or prepared.base_signatures != settlement.signatures.count()
    ):
        raise _changed()
    dispute._prepared_signature = prepared  # for on_sign, in this same transaction
    return {"final": role == Role.MEDIATOR}


def on_sign(dispute: Dispute, event) -> SettlementSignature:
    """Record the signature prepared before the lock (and, after the mediator, the seal); store the file."""
    prepared: Prepared = dispute.__dict__.pop("_prepared_signature")
    settlement = current(dispute)
    by = event.actor
    signed = prepared.signed
    signature = SettlementSignature.objects.create(
        settlement=settlement, signer=by, signer_name=prepared.name, role=prepared.role,
        certificate_serial=signed.serial, certificate_subject=signed.subject, key_kind=prepared.kind,
        party_id=prepared.party_id, capacity=prepared.capacity,
    )  # fmt: skip
    event.payload = {
        "settlement_version": settlement.version, "signer_role": prepared.role,
        "certificate_serial": signed.serial, "key_kind": prepared.kind,
    }  # fmt: skip
    if prepared.party_id is not None:
        event.payload.update(party=prepared.party_id, capacity=prepared.capacity)
    event.save(update_fields=["payload"])
    audit.record(AuditEntry.Action.SIGNATURE, actor=by, dispute=dispute, target=f"settlement:{settlement.pk}",
                 data={"document": "settlement", **event.payload})  # fmt: skip
    document = signed.pdf
    if prepared.sealed is not None:
        sealed = prepared.sealed
        SettlementSignature.objects.create(
            settlement=settlement, signer=None, signer_name=committee_name(dispute), role=Role.COMMITTEE,
            certificate_serial=sealed.serial, certificate_subject=sealed.subject, key_kind=KeyKind.SEAL,
        )  # fmt: skip
        audit.record(AuditEntry.Action.SIGNATURE, actor=None, dispute=dispute, target=f"settlement:{settlement.pk}",
                     data={"document": "settlement", "settlement_version": settlement.version,
                           "signer_role": Role.COMMITTEE, "certificate_serial": sealed.serial})  # fmt: skip
        document = sealed.pdf
        settlement.sealed_at = timezone.now()
        settlement.sha256 = hashlib.sha256(document).hexdigest()
    _store(settlement, document)
    return signature


def _store(settlement: Settlement, document: bytes) -> None:
    """Save the signed file (last thing before commit); the previous one is deleted once this commits."""
    old = settlement.pdf.name if settlement.pdf else ""
    settlement.pdf.save("agreement.pdf", ContentFile(document), save=False)
    settlement.save(update_fields=["pdf", "sealed_at", "sha256"])
    if old:
        storage = settlement.pdf.storage
        transaction.on_commit(partial(storage.delete, old))


# --- signing codes ----------------------------------------------------------------------------------
def send_sign_code(dispute: Dispute, user: User, party: int | None = None) -> None:
    """Send a fresh signing code, good for the version open for signing only, to the verified
    phone of the signer whose turn it is (for `party` when they may sign for several)."""
    if not (user.phone_verified and user.phone):
        raise ServiceError(_("Verify your phone number before signing."), code="phone_unverified", status=403)
    settlement, _role = check_turn(dispute, user, party=party)
    send_phone_code(
        user.phone, purpose=PhoneCode.Purpose.SIGN, language=user.language, user=user,
        scope=sign_scope(settlement),
    )  # fmt: skip


# --- files left behind ------------------------------------------------------------------------------
def remove_orphan_files(*, older_than: timedelta = timedelta(hours=1), now: datetime | None = None) -> int:
    """Delete signed PDFs that no row refers to: written just before a transaction that then
    failed to commit (or a process that died in between). Files younger than `older_than` are
    left alone, since their transaction may still be open. Returns how many were deleted."""
    now = now or timezone.now()
    removed = 0
    for top, model, key in (
        ("settlements", Settlement, "dispute_id"),
        ("judicial", JudicialApplication, "settlement_id"),
    ):
        storage = model._meta.get_field("pdf").storage
        if not storage.exists(top):
            continue
        folders, _files = storage.listdir(top)
        for folder in folders:
            if not folder.isdigit():
                continue
            known = set(model.objects.filter(**{key: int(folder)}).values_list("pdf", flat=True))
            for name in storage.listdir(f"{top}/{folder}")[1]:
                path = f"{top}/{folder}/{name}"
                if path not in known and storage.get_modified_time(path) < now - older_than:
                    storage.delete(path)
                    removed += 1
    return removed
