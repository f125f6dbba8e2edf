"""Intake of parties, agents and guardians by the grid worker, and the extra parties of a
filing (docs/features/parties.md). Permission (403) and state (409) are checked here, the
data rules in disputes.parties.services and the models."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceError
from disputes import services as dispute_services
from disputes.models import Dispute, DisputeParty, Representative

from . import rules, services

ORGANISATION_FIELDS = ("kind", "org_type", "uscc", "contact_name", "contact_title")


def _denied() -> ServiceError:
    return ServiceError(_("You may not do this."), code="permission_denied", status=403)


def _closed() -> ServiceError:
    return ServiceError(
        _("The parties can no longer change: the dispute has ended or a settlement has been proposed."),
        code="conflict",
        status=409,
    )


def file_dispute(*, by: User, more_parties: list[dict] | None = None, **fields) -> tuple[Dispute, bool]:
    """disputes.services.file_dispute, with the further parties of the filing added in the same
    transaction: any refusal (a duplicate phone, a bad USCC) undoes the filing."""
    with transaction.atomic():
        dispute, created = dispute_services.file_dispute(by=by, more_parties=more_parties, **fields)
        if created and more_parties:
            add_filing_parties(dispute, by, more_parties)
    return dispute, created


def add_filing_parties(dispute: Dispute, by: User, more_parties: list[dict]) -> None:
    """At filing, in its transaction: make a lead party an organisation (`lead: True`), and add
    the other respondents and claimants in order. Any refusal undoes the filing."""
    for entry in more_parties:
        entry = dict(entry)
        side = entry.pop("side")
        if entry.pop("lead", False):
            organisation_name = entry.pop("organisation_name", "")
            fields = {key: entry.get(key, "") for key in ORGANISATION_FIELDS}
            if side == "claimant" and organisation_name:
                # The filer acts as the organisation's legal representative or contact.
                fields["contact_name"] = dispute.claimant_name
                fields["name"] = organisation_name
                Dispute.objects.filter(pk=dispute.pk).update(claimant_name=organisation_name)
                dispute.claimant_name = organisation_name
            dispute.parties.filter(side=side, position=0).update(**fields)
            continue
        if not entry.get("kind"):
            entry["kind"] = DisputeParty.Kind.PERSON
        for key in ("address", "email", "org_type", "uscc", "contact_name", "contact_title"):
            entry.setdefault(key, "")
        if (
            side == "claimant"
            and entry["phone"] == dispute.respondent_phone
            or (side == "respondent" and entry["phone"] == dispute.claimant_phone)
        ):
            raise ServiceError(
                _("This phone number is already a party to the dispute."), code="invalid", field="phone"
            )
        services.add_party(dispute, by=by, side=side, record=False, **entry)


def add_party(dispute: Dispute, *, by: User, **fields) -> DisputeParty:
    """The grid worker adds a party: 403 for anyone else, 409 once the parties are fixed."""
    if not rules.may_manage(dispute, by):
        raise _denied()
    with transaction.atomic():
        locked = Dispute.objects.select_for_update(of=("self",)).select_related("grid").get(pk=dispute.pk)
        if not rules.is_open_for_intake(locked):
            raise _closed()
        return services.add_party(locked, by=by, **fields)


def add_representative(party: DisputeParty, *, by: User, **fields) -> Representative:
    """The grid worker, or the party itself for its own agent, records an agent or guardian."""
    if not rules.may_add_representative(party, by):
        raise _denied()
    if not rules.is_open_for_intake(party.dispute):
        raise _closed()
    return services.add_representative(party, by=by, **fields)


def check_representative(rep: Representative, *, by: User, approve: bool, note: str = "") -> Representative:
    """The grid worker approves or rejects an authorisation (409 once checked or fixed)."""
    dispute = rep.party.dispute
    if not rules.may_manage(dispute, by):
        raise _denied()
    if approve and not rules.is_open_for_intake(dispute):
        raise _closed()
    return services.check_representative(rep, by=by, approve=approve, note=note)


def revoke_representative(rep: Representative, *, by: User, note: str = "") -> Representative:
    """The grid worker or the party itself ends an authorisation (409 once the dispute ended)."""
    if not rules.may_revoke(rep, by):
        raise _denied()
    if rep.party.dispute.is_terminal:
        raise ServiceError(_("The dispute has ended."), code="conflict", status=409)
    return services.revoke_representative(rep, by=by, note=note)
