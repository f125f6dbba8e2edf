"""The parties and signers as the agreement and the judicial application list them when a
dispute has more than one party on a side, an organisation, or an agent or guardian
(docs/features/parties.md, "Settlements, signatures and judicial confirmation"). A plain two-party dispute keeps the
documents' original layout (`many` is False).

Each taking-part party gets a row: its name (an organisation with its unified social credit
code and legal representative), and in the signature block every person who may sign for it
when the document is rendered: the party itself ("申请人 张三"), an organisation through its
legal representative ("被申请人 某物业公司 法定代表人 李四"), and each approved agent or
guardian allowed to sign ("代理人 王五（代理 张三）"). Who actually signed, and in which
capacity, is in each signature's record and on its visible stamp. Call under in_language.
"""

from __future__ import annotations

from django.utils.translation import pgettext

from accounts.phones import mask_id_number, mask_phone
from disputes.models import Dispute
from disputes.models.parties import Capacity, DisputeParty

from . import labels, parties, signers


def is_many(dispute: Dispute, taking_part: list[DisputeParty]) -> bool:
    """Anything a two-party agreement cannot say: not exactly one party a side, an
    organisation, or an approved agent or guardian."""
    sides = [p.side for p in taking_part]
    if sides.count("claimant") != 1 or sides.count("respondent") != 1:
        return True
    return any(p.is_organisation or p.approved_representatives() for p in taking_part)


def slot_of(party: DisputeParty) -> str:
    return party.side if party.is_lead else f"{party.side}-{party.position}"


def party_row(party: DisputeParty, role_label: str) -> dict:
    words = signers.capacity_labels()
    account = parties.account(party.phone) if not party.is_organisation else None
    id_number = ""
    if account is not None and account.id_number:
        id_number = mask_id_number(account.id_number)
    signing_reps = [r for r in party.approved_representatives() if r.allows("sign")]
    if party.is_organisation:
        own = signers.signer_line(role_label, Capacity.LEGAL_REPRESENTATIVE, party.contact_name, party)
    else:
        own = signers.signer_line(role_label, Capacity.PARTY, party.name, party)
    lines = [own] + [
        signers.signer_line(role_label, str(Capacity(r.kind)), r.name, party) for r in signing_reps
    ]
    return {
        "role": role_label,
        "party": party,
        "name": party.name,
        "organisation": party.is_organisation,
        "uscc": party.uscc,
        "contact": party.contact_name,
        "contact_label": words[Capacity.LEGAL_REPRESENTATIVE],
        "id_number": id_number,
        "phone": mask_phone(party.phone) if party.phone else "",
        "representatives": [
            f"{words[str(Capacity(r.kind))]}{pgettext('document punctuation', ': ')}{r.name}"
            for r in party.approved_representatives()
        ],
        "signer_lines": lines,
        "slot": slot_of(party),
    }


def roster(dispute: Dispute) -> dict:
    """{"many", "parties": [party_row]} for the documents' templates (active language)."""
    taking_part = signers.signing_parties(dispute)
    role_words = labels.role_labels()
    return {
        "many": is_many(dispute, taking_part),
        "parties": [party_row(p, str(role_words[p.side])) for p in taking_part],
        "uscc_label": pgettext("settlement agreement", "Unified social credit code"),
    }
