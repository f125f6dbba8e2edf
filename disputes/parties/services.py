"""Adding parties, agents and guardians to a dispute and checking authorisations
(docs/features/parties.md). Each function runs in its own transaction and records one
timeline event; the models hold the rules (disputes.models.parties)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import uploads
from core.crypto import blind_index
from core.errors import ServiceError
from disputes.models import Dispute, DisputeParty, Representative

from ..services import record_event

MAX_PARTIES_PER_SIDE = 20


def add_party(
    dispute: Dispute,
    *,
    by: User | None,
    side: str,
    name: str,
    phone: str,
    kind: str = DisputeParty.Kind.PERSON,
    email: str = "",
    address: str = "",
    org_type: str = "",
    uscc: str = "",
    contact_name: str = "",
    contact_title: str = "",
    record: bool = True,
) -> DisputeParty:
    """Add one more party to `side` (after the lead, which the dispute's own fields state)."""
    uscc = uscc.strip().upper()
    party = DisputeParty(
        dispute=dispute, side=side, name=name, phone=phone, kind=kind, email=email, address=address,
        org_type=org_type, uscc=uscc, contact_name=contact_name, contact_title=contact_title, added_by=by,
    )  # fmt: skip
    try:
        party.full_clean(exclude=["dispute", "position", "phone_index", "added_by"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(messages[0], code="invalid", field=field) from None
    if kind == DisputeParty.Kind.ORGANISATION and not uscc:
        raise ServiceError(
            _("An organisation needs its unified social credit code."), code="invalid", field="uscc"
        )
    try:
        with transaction.atomic():
            locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
            if locked.parties.filter(phone_index=blind_index(phone)).exists():
                raise ServiceError(
                    _("This phone number is already a party to the dispute."), code="invalid", field="phone"
                )
            last = locked.parties.filter(side=side).aggregate(n=Max("position"))["n"]
            if last is not None and last + 1 >= MAX_PARTIES_PER_SIDE:
                raise ServiceError(
                    _("A side has at most %(n)d parties.") % {"n": MAX_PARTIES_PER_SIDE}, code="invalid"
                )
            party.position = 0 if last is None else last + 1
            party.save()
            if record:
                record_event(locked, "add_party", by, payload={"party": party.pk, "side": side, "kind": kind})
    except IntegrityError:
        raise ServiceError(
            _("This phone number is already a party to the dispute."), code="invalid", field="phone"
        ) from None
    return party


def add_representative(
    party: DisputeParty,
    *,
    by: User,
    kind: str,
    relation: str,
    name: str,
    phone: str,
    authorisation: bytes,
    filename: str,
    may_answer: bool = True,
    may_chat: bool = True,
    may_sign: bool = True,
) -> Representative:
    """Record an agent or a guardian with the uploaded authorisation (PDF or image), pending
    the grid worker's check."""
    if blind_index(phone) == party.phone_index:
        raise ServiceError(_("A party cannot be their own agent."), code="invalid", field="phone")
    inspected = uploads.inspect(authorisation)
    rep = Representative(
        party=party, kind=kind, relation=relation, name=name, phone=phone, added_by=by,
        may_answer=may_answer, may_chat=may_chat, may_sign=may_sign,
        authorisation_filename=filename[:200], authorisation_sha256=hashlib.sha256(inspected.content).hexdigest(),
    )  # fmt: skip
    try:
        rep.full_clean(exclude=["party", "phone_index", "authorisation", "authorisation_sha256", "added_by"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(messages[0], code="invalid", field=field) from None
    try:
        with transaction.atomic():
            rep.authorisation.save(f"{filename}", ContentFile(inspected.content), save=False)
            rep.save()
            record_event(
                party.dispute,
                "add_representative",
                by,
                payload={"party": party.pk, "representative": rep.pk, "kind": kind},
            )
    except IntegrityError:
        rep.authorisation.delete(save=False)
        raise ServiceError(
            _("This person already represents the party."), code="invalid", field="phone"
        ) from None
    return rep


def check_representative(rep: Representative, *, by: User, approve: bool, note: str = "") -> Representative:
    """The grid worker's check of the authorisation: approved, the agent or guardian acts for
    the party from now on; rejected, never."""
    with transaction.atomic():
        locked = Representative.objects.select_for_update().select_related("party__dispute").get(pk=rep.pk)
        if locked.status != Representative.Status.PENDING:
            raise ServiceError(_("This authorisation has already been checked."), code="conflict", status=409)
        locked.status = Representative.Status.APPROVED if approve else Representative.Status.REJECTED
        locked.checked_by, locked.checked_at, locked.check_note = by, timezone.now(), note
        locked.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
        name = "approve_representative" if approve else "reject_representative"
        record_event(
            locked.party.dispute,
            name,
            by,
            reason=note,
            payload={"party": locked.party_id, "representative": locked.pk},
        )
    return locked


def revoke_representative(rep: Representative, *, by: User, note: str = "") -> Representative:
    """End an authorisation, pending or approved: the agent or guardian no longer acts for the
    party from now on (what they already did stands), and their chat sockets close."""
    with transaction.atomic():
        locked = Representative.objects.select_for_update().select_related("party__dispute").get(pk=rep.pk)
        if locked.status not in (Representative.Status.PENDING, Representative.Status.APPROVED):
            raise ServiceError(_("This authorisation is no longer in force."), code="conflict", status=409)
        locked.status = Representative.Status.REVOKED
        locked.save(update_fields=["status"])
        record_event(
            locked.party.dispute, "revoke_representative", by, reason=note,
            payload={"party": locked.party_id, "representative": locked.pk},
        )  # fmt: skip
    return locked
