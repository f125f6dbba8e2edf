"""Writes to disputes: filing, transitions, evidence.

Views and consumers decide visibility (Dispute.objects.visible_to) before calling in here;
services check permission and state again under the row lock and record the timeline.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from accounts import roles
from accounts.models import Place, Region, User
from core import audit, uploads
from core.errors import ServiceError
from core.models import AuditEntry

from . import notices
from .hooks import ON_EVENT, PRECHECKS, RESOLVERS, SECRET_KEYS, handlers_after
from .models import TRANSITIONS, Category, Dispute, DisputeEvent, Evidence
from .sla.deadlines import start_deadline

# Evidence kinds accepted, by the type sniffed from the file's bytes (core.uploads).
EVIDENCE_TYPES = uploads.ACCEPTED


def transition_permission(name: str):
    """The `permission=` callable declared for a transition (the same from every source)."""
    field = Dispute._meta.get_field("state")
    for t in field.get_all_transitions(Dispute):
        if t.name == name:
            return t
    raise KeyError(name)


def may_ever(dispute: Dispute, name: str, user) -> bool:
    """Whether the user is someone who may fire this transition on this dispute, in any state."""
    return transition_permission(name).has_perm(dispute, user)


# --- filing ---------------------------------------------------------------------------------
def _fingerprint(**fields: Any) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def file_dispute(
    *,
    by: User,
    title: str,
    description: str,
    category: Category,
    grid: Region,
    respondent_name: str,
    respondent_phone: str,
    respondent_email: str = "",
    respondent_address: str = "",
    amount_claimed: Decimal | None = None,
    desired_outcome: str = "",
    on_behalf_of: dict | None = None,
    language: str = User.Language.ZH_HANS,
    place: Place | None = None,
    more_parties: list[dict] | None = None,
) -> tuple[Dispute, bool]:
    """File a dispute; returns (dispute, created).

    `more_parties`: the further parties of a filing (disputes.parties.intake.file_dispute adds
    them in the same transaction); they make the filing another one for the repeat check.

    A resident files for themselves (verified phone required); a grid worker of the grid
    files on behalf of a resident named by `on_behalf_of` = {full_name, phone, address?}. The same
    filing submitted twice while the first is open returns the first (created False).

    `grid` may be a street: the filer did not know the place, and the street's grid workers set
    the grid (docs/features/places.md). A `place` decides the grid.
    """
    if place is not None:
        grid = place.grid
    if on_behalf_of is not None:
        if not roles.works_intake_of(by, grid):
            raise ServiceError(
                _("Only a grid worker of this grid can file on behalf of a resident."),
                code="permission_denied",
                status=403,
            )
        claimant_name, claimant_phone = on_behalf_of["full_name"], on_behalf_of["phone"]
        claimant_address = on_behalf_of.get("address", "")
    else:
        if not by.phone_verified:
            raise ServiceError(
                _("Verify your phone number before filing."), code="phone_unverified", status=403
            )
        claimant_name, claimant_phone = by.full_name or by.username, by.phone
        claimant_address = by.address
    if grid.kind not in (Region.Kind.GRID, Region.Kind.STREET):
        raise ServiceError(_("Choose a grid."), code="invalid", field="grid")
    if respondent_phone == claimant_phone:
        raise ServiceError(
            _("The respondent must be someone other than the claimant."), code="invalid", field="respondent"
        )
    fields = dict(
        title=title, description=description, category=category, grid=grid,
        claimant_name=claimant_name, claimant_phone=claimant_phone, claimant_address=claimant_address,
        respondent_name=respondent_name, respondent_phone=respondent_phone, respondent_address=respondent_address,
        respondent_email=respondent_email, amount_claimed=amount_claimed, desired_outcome=desired_outcome,
    )  # fmt: skip
    extra = {"more_parties": more_parties} if more_parties else {}
    fingerprint = _fingerprint(**{k: getattr(v, "pk", v) for k, v in fields.items()}, **extra)
    now = timezone.now()
    due_at, sla_next_at = start_deadline(Dispute.State.FILED, now)
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                **fields, place=place, filed_by=by, fingerprint=fingerprint, created_at=now,
                language=language,
                due_at=due_at, sla_next_at=sla_next_at,
            )  # fmt: skip
            # The id makes the reference unique without a counter that would serialise filings.
            dispute.reference = f"TJ-{timezone.localtime(now):%Y}-{dispute.pk:06d}"
            Dispute.objects.filter(pk=dispute.pk).update(reference=dispute.reference)
            record_event(dispute, "file", by, from_state="")
    except IntegrityError:
        existing = Dispute.objects.filter(filed_by=by, fingerprint=fingerprint).exclude(
            state__in=Dispute.TERMINAL
        )
        if dispute := existing.first():
            return dispute, False
        raise
    return dispute, True


# --- transitions ----------------------------------------------------------------------------
def record_event(
    dispute: Dispute,
    name: str,
    by: User | None,
    *,
    reason: str = "",
    payload: dict | None = None,
    role: str | None = None,
    from_state: str | None = None,
    notify=(),
) -> DisputeEvent:
    """Append one line to the dispute's timeline and let listeners react, in the caller's transaction.

    `name` is a transition, or an action that changes no state (a reminder sent, information
    requested, a rating): then `from_state` defaults to the current state. `notify` names extra
    recipients the caller knows of (users); disputes.notices decides the rest per event.
    """
    event = DisputeEvent.objects.create(
        dispute=dispute,
        transition=name,
        from_state=dispute.state if from_state is None else from_state,
        to_state=dispute.state,
        actor=by,
        actor_role=role or dispute.role_of(by),
        reason=reason,
        payload=payload or {},
    )
    for handler in ON_EVENT:
        handler(event, notify)
    notices.on_event(event, notify)
    return event


def _method_kwargs(dispute: Dispute, name: str, by: User | None, payload: dict) -> dict:
    """Turn a validated payload into the transition method's arguments."""
    if name in RESOLVERS:
        return RESOLVERS[name](dispute, by, payload)
    if name == "take_case":
        return {"handler": by}
    return dict(payload)


def acting_party(dispute: Dispute, name: str, by: User | None, chosen: int | None):
    """For a transition a party fires (Dispute.PARTY_ACTS): the party `by` acts for, as
    (party, capacity): the one `chosen` by id, else the first still open to it. None for the
    system and for staff. 403 when `chosen` is not theirs, 409 when none is still open (a
    respondent who already answered, a claimant who already withdrew)."""
    if name not in Dispute.PARTY_ACTS:
        return None
    # The rows the transition reads and changes, read under the row lock (PartyRoles).
    prefetch_related_objects([dispute], "parties__representatives")
    mine = dispute.parties_for(by, name) if by is not None else []
    if not mine:
        return None
    if chosen is not None:
        mine = [(party, capacity) for party, capacity in mine if party.pk == chosen]
        if not mine:
            raise ServiceError(_("You may not act for this party."), code="permission_denied", status=403)
    still_open = [(party, capacity) for party, capacity in mine if dispute.may_act(by, name, party)]
    if not still_open:
        raise ServiceError(_("This party has already done this."), code="conflict", status=409)
    return still_open[0]


def fire(dispute_id: int, name: str, *, by: User | None, payload: dict | None = None) -> Dispute:
    """Fire transition `name` on a dispute, as `by` (None: the system, e.g. the SLA engine).

    Takes the row lock, checks permission (403) and state and conditions (409), applies the
    transition, sets the new deadline, records the timeline event and runs the registered
    hooks, all in one transaction. `payload` must already be validated (disputes.payloads).
    """
    if name not in TRANSITIONS:
        raise ServiceError(_("No such action."), code="not_found", status=404)
    payload = payload or {}
    if name in PRECHECKS:
        PRECHECKS[name](dispute_id, by, payload)
    try:
        with transaction.atomic():
            # of=("self",): lock the dispute row only, not the grid's region row joined in
            # (that would serialise every transition and filing in the grid on PostgreSQL).
            dispute = (
                Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute_id)
            )
            if by is not None and not may_ever(dispute, name, by):
                raise ServiceError(_("You may not do this."), code="permission_denied", status=403)
            method = getattr(dispute, name)
            if not can_proceed(method):
                raise TransitionNotAllowed(name)
            from_state = dispute.state
            # The capacity the actor acts in, taken before the transition: a mediator who
            # declines or fails is no longer the dispute's mediator afterwards.
            role = dispute.role_of(by)
            payload = dict(payload)
            # `party` is this service's for the party acts; other transitions' resolvers read it
            # themselves (signing: mediation.settlements.agreements.resolve_sign).
            chosen = payload.pop("party", None) if name in Dispute.PARTY_ACTS else None
            acting = acting_party(dispute, name, by, chosen)
            kwargs = _method_kwargs(dispute, name, by, payload)
            if acting is not None:
                kwargs["party"] = acting[0]
            method(**kwargs)
            # One party's answer or withdrawal among several leaves the state and its deadline
            # as they are, and is no transition for the other apps' handlers.
            partial = name in dispute.PARTY_ACTS and dispute.state == from_state
            if not partial:  # the new state's deadline, and when the SLA sweeper first looks at it
                dispute.due_at, dispute.sla_next_at = start_deadline(dispute.state, timezone.now())
            dispute.save()
            for party in dispute.touched_parties():
                party.save(update_fields=["answer", "answered_at", "withdrawn_at"])
            recorded = {k: v for k, v in payload.items() if k != "reason" and k not in SECRET_KEYS}
            if acting is not None:
                recorded.update(dispute.act_record(by, *acting))
            event = record_event(
                dispute, name, by, from_state=from_state,
                reason=payload.get("reason") or payload.get("note") or "", payload=recorded, role=role,
            )  # fmt: skip
            for handler in () if partial else handlers_after(name):
                handler(dispute, event)
            audit.record(
                AuditEntry.Action.TRANSITION, actor=by, dispute=dispute, target=name,
                data={"transition": name, "from": from_state, "to": dispute.state, "event": event.pk},
            )  # fmt: skip
    except (TransitionNotAllowed, ConcurrentTransition) as exc:
        raise ServiceError(
            _("This action is not possible in the dispute's current state."), code="conflict", status=409
        ) from exc
    return dispute


# --- evidence -------------------------------------------------------------------------------
def add_evidence(dispute: Dispute, *, by: User, upload: UploadedFile, description: str = "") -> Evidence:
    """Store an uploaded file as evidence (docs/security.md, "Uploads").

    The type is sniffed from the bytes, never the name; images are re-encoded, active PDFs
    refused (core.uploads). The state is checked again under the dispute's row lock, and the
    file is written only after that check and removed if the transaction does not commit.
    """
    if dispute.is_terminal:
        raise _closed()
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ServiceError(_("The file is larger than 20 MB."), code="too_large", status=413, field="file")
    upload.seek(0)
    data = upload.read(settings.EVIDENCE_MAX_BYTES + 1)
    if len(data) > settings.EVIDENCE_MAX_BYTES:
        raise ServiceError(_("The file is larger than 20 MB."), code="too_large", status=413, field="file")
    inspected = uploads.inspect(data)  # heavy work before the lock is taken
    stored = None
    try:
        with transaction.atomic():
            locked = Dispute.objects.select_for_update(of=("self",)).get(pk=dispute.pk)
            if locked.is_terminal:
                raise _closed()
            evidence = Evidence(
                dispute=locked,
                filename=_safe_filename(upload.name or "file", inspected.extension),
                content_type=inspected.mime,
                size=len(inspected.content),
                sha256=hashlib.sha256(inspected.content).hexdigest(),
                description=description,
                uploaded_by=by,
                uploaded_at=timezone.now(),
            )
            evidence.file.save("upload", ContentFile(inspected.content), save=False)
            stored = evidence.file.name
            evidence.save()
    except BaseException:
        if stored:
            evidence.file.storage.delete(stored)
        raise
    return evidence


def _closed() -> ServiceError:
    return ServiceError(
        _("This dispute is closed; no more evidence can be added."), code="conflict", status=409
    )


def declared_length(request) -> int:
    """The request's Content-Length; a malformed one is refused as invalid input."""
    value = str(request.META.get("CONTENT_LENGTH") or "0").strip()
    if not value.isdigit():
        raise ServiceError(_("Invalid input."), code="invalid", status=400)
    return int(value)


def upload_too_large(request) -> bool:
    """Whether the declared body is over the evidence limit plus room for the multipart
    framing, so an oversized upload is refused before its body is read (400 when malformed)."""
    return declared_length(request) > settings.EVIDENCE_MAX_BYTES + 64 * 1024


def attachment_header(filename: str) -> str:
    """Content-Disposition for a download: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    from urllib.parse import quote

    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


EXTENSION_ALIASES = {"jpg": {"jpg", "jpeg"}, "tif": {"tif", "tiff"}, "m4a": {"m4a", "mp4"}}


def _safe_filename(name: str, extension: str) -> str:
    """The original name for display and download, stripped of paths and control characters.

    The extension always matches the sniffed content (x.html holding a PNG becomes x.png),
    so a download never opens as something else.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')[:150].strip() or "file"
    stem, dot, current = base.rpartition(".")
    if dot and stem and current.lower() in EXTENSION_ALIASES.get(extension, {extension}):
        return base
    return f"{stem if dot and stem else base}.{extension}"
