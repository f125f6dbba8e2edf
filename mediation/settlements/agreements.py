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

from ..models import JudicialApplication, Settlement, SettlementSignature
from . import signing
from .committee import committee, committee_name

Role = SettlementSignature.Role
PARTIES = (Role.CLAIMANT, Role.RESPONDENT)


def current(dispute: Dispute) -> Settlement | None:
    """The version awaiting signatures or signed; None before any proposal or after a decline."""
    return dispute.settlements.filter(ended_at=None).order_by("-version").first()


def latest(dispute: Dispute) -> Settlement | None:
    return dispute.settlements.order_by("-version").first()


def signer_role(dispute: Dispute, user: User | None) -> str | None:
    """The capacity in which a user signs this dispute's settlement, if any."""
    if user is None:
        return None
    if dispute.is_claimant(user):
        return Role.CLAIMANT
    if dispute.is_respondent(user):
        return Role.RESPONDENT
    if dispute.is_mediator(user):
        return Role.MEDIATOR
    return None


def next_signers(signed) -> list[str]:
    """Whose turn it is to sign, given the roles that have signed: each party that has not
    (claimant, respondent, in any order between them), then the mediator once both have;
    [] once the mediator has signed. The one home of this rule."""
    if Role.MEDIATOR in signed:
        return []
    parties_left = [r for r in PARTIES if r not in signed]
    return parties_left or [Role.MEDIATOR]


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
    signed = set(settlement.signatures.values_list("role", flat=True)) if settlement else set()
    return [(role, None) for role in next_signers(signed | {event.actor_role})]


def roles_to_sign(settlement: Settlement) -> list[str]:
    """next_signers() of a settlement version, from its signatures; [] once it has ended."""
    if settlement.ended_at is not None:
        return []
    return next_signers(set(settlement.signatures.values_list("role", flat=True)))


def check_turn(dispute: Dispute, user: User, version: int | None = None) -> tuple[Settlement, str]:
    """The settlement and the user's role if it is their turn to sign; else a 409 (or 403).

    `version`, when the signer gives it, must be the version open for signing: nobody signs
    a proposal other than the one they reviewed.
    """
    role = signer_role(dispute, user)
    if role is None:
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
    if settlement.signatures.filter(role=role).exists():
        raise ServiceError(_("You have already signed this settlement."), code="conflict", status=409)
    if role not in roles_to_sign(settlement):
        raise ServiceError(
            _("The mediator signs after both parties have signed."), code="conflict", status=409
        )
    return settlement, role


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
    settlement, role = check_turn(dispute, by, payload.get("version"))
    with transaction.atomic():
        ok = by.phone_verified and check_phone_code(
            by.phone, payload.get("code", ""), purpose=PhoneCode.Purpose.SIGN,
            scope=sign_scope(settlement),
        )  # fmt: skip
    if not ok:
        raise ServiceError(
            _("The signing code is wrong or has expired; ask for a new one."), code="invalid", field="code"
        )
    payload[PREPARED] = prepare_signature(dispute, settlement, by, role)


def prepare_signature(dispute: Dispute, settlement: Settlement, by: User, role: str) -> Prepared:
    """Sign the current file (the final agreement for the first signer) under a fresh event
    certificate whose private key is dropped right after; after the mediator, add the seal."""
    from . import pdf, pki

    name = by.full_name or by.username
    try:
        document = (
            read_file(settlement.pdf) if settlement.pdf else pdf.settlement_pdf(settlement, draft=False)
        )
    except FileNotFoundError as exc:  # replaced by a signature committed meanwhile
        raise _changed() from exc
    # Counted in the file itself, so the check under the lock compares like with like.
    base = len(signing.field_names(document))
    with pki.refuse_when_unavailable():  # the token's keys: a 503, nothing changed
        signed = signing.sign(
            document, pki.event_signer(name, role, user=by), field=f"Signature{base + 1}_{role}", name=name,
            reason=f"{dispute.reference} v{settlement.version} {role}",
        )  # fmt: skip
        sealed = None
        if role == Role.MEDIATOR:
            sealed = signing.sign(
                signed.pdf, pki.seal_signer(committee(dispute)), field=signing.SEAL_FIELD,
                name=committee_name(dispute), reason=f"{dispute.reference} v{settlement.version} seal", seal=True,
            )  # fmt: skip
    return Prepared(settlement.pk, base, role, name, signed, sealed)


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
    settlement, role = check_turn(dispute, by, payload.get("version"))
    prepared = payload.get(PREPARED)
    if (
        prepared is None
        or (prepared.settlement_id, prepared.role) != (settlement.pk, role)
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
        certificate_serial=signed.serial, certificate_subject=signed.subject,
    )  # fmt: skip
    event.payload = {
        "settlement_version": settlement.version, "signer_role": prepared.role,
        "certificate_serial": signed.serial,
    }  # fmt: skip
    event.save(update_fields=["payload"])
    audit.record(AuditEntry.Action.SIGNATURE, actor=by, dispute=dispute, target=f"settlement:{settlement.pk}",
                 data={"document": "settlement", **event.payload})  # fmt: skip
    document = signed.pdf
    if prepared.sealed is not None:
        sealed = prepared.sealed
        SettlementSignature.objects.create(
            settlement=settlement, signer=None, signer_name=committee_name(dispute), role=Role.COMMITTEE,
            certificate_serial=sealed.serial, certificate_subject=sealed.subject,
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
def send_sign_code(dispute: Dispute, user: User) -> None:
    """Send a fresh signing code, good for the version open for signing only, to the verified
    phone of the signer whose turn it is."""
    if not (user.phone_verified and user.phone):
        raise ServiceError(_("Verify your phone number before signing."), code="phone_unverified", status=403)
    settlement, _role = check_turn(dispute, user)
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
