"""Disputes with several parties on a side, each acted for by the party itself, an agent or
a guardian (docs/features/parties.md), for the answering, withdrawal and rating tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeParty, Representative
from disputes.parties.services import add_party, add_representative, check_representative
from tests import factories, samples


@dataclass
class Case:
    dispute: Dispute
    # Per side, in position order: the party row, its own user, and who acts for it in the test
    # (the party's user, or its agent's or guardian's).
    claimants: list[DisputeParty] = field(default_factory=list)
    respondents: list[DisputeParty] = field(default_factory=list)
    own: dict[int, User] = field(default_factory=dict)
    actor: dict[int, User] = field(default_factory=dict)
    capacity: dict[int, str] = field(default_factory=dict)

    def refresh(self) -> Case:
        self.dispute.refresh_from_db()
        for p in self.claimants + self.respondents:
            p.refresh_from_db()
        return self


def represent(party: DisputeParty, by: User, kind: str, *, status="approved", **may) -> User:
    """An agent or guardian for `party` with an account, checked by `by` (approved, rejected or pending)."""
    user = factories.UserFactory(full_name=f"{kind}{party.pk}")
    relation = Representative.Relation.LAWYER if kind == "agent" else Representative.Relation.PARENT
    rep = add_representative(
        party, by=by, kind=kind, relation=relation, name=user.full_name, phone=user.phone,
        authorisation=samples.png(), filename="授权委托书.png", **may,
    )  # fmt: skip
    if status != "pending":
        check_representative(rep, by=by, approve=status == "approved")
    return user


def build(
    regions, grid_worker, claimant, respondent, claimants: int, respondents: int, *, serve=True
) -> Case:
    """A claimants×respondents dispute in grid1. On the larger side (the respondents when
    equal) the second party is acted for by an agent and the third by a guardian; in 1×1 an
    agent answers for the respondent and a guardian acts for the claimant."""
    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    case = Case(dispute)
    leads = {p.side: p for p in dispute.parties.all()}
    for side, count, lead_user in (
        ("claimant", claimants, claimant),
        ("respondent", respondents, respondent),
    ):
        rows = getattr(case, f"{side}s")
        rows.append(leads[side])
        case.own[leads[side].pk] = lead_user
        for i in range(1, count):
            user = factories.UserFactory(full_name=f"{side}{i}")
            party = add_party(dispute, by=grid_worker, side=side, name=user.full_name, phone=user.phone)
            rows.append(party)
            case.own[party.pk] = user
    for p in case.claimants + case.respondents:
        case.actor[p.pk], case.capacity[p.pk] = case.own[p.pk], "party"
    larger = case.respondents if respondents >= claimants else case.claimants
    if len(larger) == 1:
        plan = [(case.respondents[0], "agent"), (case.claimants[0], "guardian")]
    else:
        plan = [(larger[1], "agent"), (larger[2], "guardian")] if len(larger) > 2 else [(larger[1], "agent")]
    for party, kind in plan:
        case.actor[party.pk], case.capacity[party.pk] = represent(party, grid_worker, kind), kind
    if serve:
        services.fire(dispute.pk, "accept", by=grid_worker)
    return case.refresh()


def url(dispute: Dispute, name: str) -> str:
    return f"/api/v1/disputes/{dispute.pk}/transitions/{name}/"
