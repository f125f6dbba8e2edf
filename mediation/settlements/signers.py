"""Who signs a settlement or a judicial application, for which party, in which capacity
(docs/features/parties.md, "Settlements, signatures and judicial confirmation").

Every party that takes part (DisputeParty.takes_part: a claimant who has not withdrawn, a
respondent who has not declined) signs once, in any order: itself (a person through its own
phone, an organisation through its contact, its legal representative), or through an agent
or guardian whose approved authorisation allows signing. A person who acts for several
parties signs once for each, naming the party (`party`) or, without it, for the first of
them still to sign. The mediator signs last; the committee seal follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import ServiceError
from disputes.models import Dispute, DisputeParty
from disputes.models.parties import Capacity

MEDIATOR = "mediator"


@dataclass(frozen=True)
class Signer:
    """One way a user may sign: for `party` (None: the mediator) in `capacity`."""

    role: str  # claimant, respondent or mediator
    party: DisputeParty | None = None
    capacity: str = ""

    @property
    def party_id(self) -> int | None:
        return self.party.pk if self.party is not None else None


def signing_parties(dispute: Dispute) -> list[DisputeParty]:
    """The parties that sign, claimants then respondents, each side by position."""
    parties = [p for p in dispute.parties.all() if p.takes_part]
    return sorted(parties, key=lambda p: (p.side != "claimant", p.position))


def party_signers(dispute: Dispute, user) -> list[Signer]:
    """The taking-part parties `user` may sign for, and in which capacity."""
    if user is None:
        return []
    return [
        Signer(role=party.side, party=party, capacity=str(capacity))
        for party, capacity in dispute.acting_for(user, act="sign")
        if party.takes_part
    ]


def signers(dispute: Dispute, user) -> list[Signer]:
    """Every way `user` may sign this dispute's settlement: its parties, then as mediator."""
    found = party_signers(dispute, user)
    if user is not None and dispute.is_mediator(user):
        found.append(Signer(role=MEDIATOR))
    return found


def choose(options: list[Signer], party_id: int | None, done: set[int]) -> Signer | None:
    """The signer the caller means: for `party_id` when given (None if the caller may not sign
    for it); else the first party not yet in `done`, else the first option (so that "already
    signed" is what the caller hears)."""
    if party_id is not None:
        return next((s for s in options if s.party_id == party_id), None)
    if not options:
        return None
    return next((s for s in options if s.party is not None and s.party_id not in done), options[0])


def refuse_unknown_party(party_id: int | None) -> None:
    if party_id is not None:
        raise ServiceError(_("You may not sign for this party."), code="permission_denied", status=403)


def capacity_labels() -> dict:
    """How a signature block names the capacity (active language)."""
    from django.utils.translation import pgettext

    return {
        Capacity.PARTY: "",
        Capacity.LEGAL_REPRESENTATIVE: pgettext("settlement agreement", "Legal representative"),
        Capacity.AGENT: pgettext("settlement agreement", "Agent"),
        Capacity.GUARDIAN: pgettext("settlement agreement", "Guardian"),
    }


def acting_words(capacity: str, party_name: str) -> str:
    """ "(for 张三)" after an agent's or guardian's name (active language)."""
    from django.utils.translation import pgettext

    if capacity == Capacity.AGENT:
        return pgettext("settlement agreement", " (agent for {party})").format(party=party_name)
    if capacity == Capacity.GUARDIAN:
        return pgettext("settlement agreement", " (guardian of {party})").format(party=party_name)
    return ""


def signer_line(role_label: str, capacity: str, signer_name: str, party: DisputeParty) -> str:
    """A signer as the documents name them: "申请人 张三", "被申请人 某物业公司 法定代表人 李四",
    "代理人 王五（代理 张三）", "监护人 赵六（监护 赵小明）" (active language)."""
    words = capacity_labels()
    if capacity == Capacity.LEGAL_REPRESENTATIVE:
        return f"{role_label} {party.name} {words[capacity]} {signer_name}"
    if capacity in (Capacity.AGENT, Capacity.GUARDIAN):
        return f"{words[capacity]} {signer_name}{acting_words(capacity, party.name)}"
    return f"{role_label} {signer_name}"
