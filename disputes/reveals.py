"""Reveals: staff whose role covers a dispute see ONE field of ONE party in full, with a reason
(docs/personal-data-masking.md).

Each reveal is counted against the staff member's hourly limit (REVEAL_RATE_PER_HOUR, in the
cache like the pages' other limits) and writes one `reveal` audit entry naming the party and
field and the reason, never the value. Supervisors (case handlers, superusers) list the
reveals of the disputes in their regions (`for_supervisor`).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.lockout import client_ip, too_many
from accounts.models import StaffRole
from core import audit
from core.errors import ServiceError
from core.models import AuditEntry

from . import contacts
from .models import Dispute

REASONS = {
    "contact_party": _("Contact the party"),
    "serve_documents": _("Serve documents"),
    "judicial_confirmation": _("Judicial confirmation"),
    "verify_identity": _("Verify identity"),
    "other": _("Other (explain)"),
}
FIELD_LABELS = {
    "phone": _("Phone"),
    "email": _("Email"),
    "address": _("Address"),
    "id_number": _("ID number"),
}
PARTY_LABELS = {"claimant": _("Claimant"), "respondent": _("Respondent")}
TEXT_MAX = 200
WINDOW = 3600


def check_reason(code, text) -> tuple[str, str]:
    """(code, text) of a valid reason, else ServiceError 400 on field `reason`."""
    if not isinstance(code, str) or code not in REASONS:
        raise ServiceError(_("Choose a reason from the list."), code="invalid", field="reason")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ServiceError(_("The reason's text must be text."), code="invalid", field="reason")
    text = text.replace("\x00", "").strip()
    if len(text) > TEXT_MAX:
        raise ServiceError(
            _("Explain the reason in %(max)d characters at most.") % {"max": TEXT_MAX},
            code="invalid",
            field="reason",
        )
    if code == "other" and not text:
        raise ServiceError(_("Explain the reason when you choose “Other”."), code="invalid", field="reason")
    return code, text


def check_target(party, field) -> None:
    if party not in contacts.PARTIES:
        raise ServiceError(_("Choose claimant or respondent."), code="invalid", field="party")
    if field not in contacts.FIELDS:
        raise ServiceError(_("Choose phone, email, address or ID number."), code="invalid", field="field")


def check_covered(dispute: Dispute, user) -> None:
    """403 for someone who sees the dispute but whose role does not cover it (a party)."""
    if not contacts.may_reveal(dispute, user):
        raise ServiceError(
            _("Only staff in charge of this dispute may reveal personal data."),
            code="permission_denied",
            status=403,
        )


def reveal(request, dispute: Dispute, party, field, code, text) -> str:
    """The value of `field` of `party` for the staff member making `request`, audited.

    Checks in the API's order: covered (403), party/field/reason (400), limit (429).
    """
    user = request.user
    check_covered(dispute, user)
    check_target(party, field)
    code, text = check_reason(code, text)
    if too_many(request, "reveal", limit=settings.REVEAL_RATE_PER_HOUR, window=WINDOW, key=f"user{user.pk}"):
        raise ServiceError(
            _("Too many reveals in the last hour. Try again later."), code="rate_limited", status=429
        )
    audit.record(
        AuditEntry.Action.REVEAL,
        actor=user,
        dispute=dispute,
        target=f"{party}.{field}",
        data={"reason": code, "text": text},
        ip=client_ip(request),
    )
    return contacts.full_value(dispute, party, field)


def may_supervise(user) -> bool:
    """Who lists reveals: case handlers (of their regions) and superusers."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or roles.has_role(user, StaffRole.Role.CASE_HANDLER))
    )


def for_supervisor(user) -> QuerySet[AuditEntry]:
    """Reveal entries of the disputes in the supervisor's region subtrees (all for superusers)."""
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL)
    if user.is_superuser:
        return entries
    grids = roles.grids_of(user, StaffRole.Role.CASE_HANDLER)
    return entries.filter(dispute_id__in=Dispute.objects.filter(grid_id__in=grids).values("pk"))


def rows(entries: list[AuditEntry]) -> list[dict]:
    """One dict per entry for the list: who, when, which field of whom (masked), why.

    Two queries whatever the page's length: the disputes and the actors.
    """
    from accounts.models import User

    disputes = Dispute.objects.in_bulk({e.dispute_id for e in entries if e.dispute_id})
    actors = User.objects.in_bulk({e.actor_id for e in entries if e.actor_id})
    out = []
    for e in entries:
        party, _dot, field = e.target.partition(".")
        dispute = disputes.get(e.dispute_id)
        actor = actors.get(e.actor_id)
        shown = ""
        if dispute is not None and party in contacts.PARTIES and field in ("phone", "email", "address"):
            shown = contacts.masked(field, contacts.full_value(dispute, party, field))
        code = e.data.get("reason", "")
        out.append(
            {
                "id": e.index,
                "at": e.at,
                "actor": {"id": e.actor_id, "name": actor.display_name if actor else e.actor},
                "dispute": {"id": e.dispute_id, "reference": dispute.reference if dispute else ""},
                "party": party,
                "party_label": str(PARTY_LABELS.get(party, party)),
                "party_name": getattr(dispute, f"{party}_name", "")
                if dispute and party in contacts.PARTIES
                else "",
                "field": field,
                "field_label": str(FIELD_LABELS.get(field, field)),
                "masked_value": shown,
                "reason": code,
                "reason_label": str(REASONS.get(code, code)),
                "text": e.data.get("text", ""),
            }
        )
    return out
