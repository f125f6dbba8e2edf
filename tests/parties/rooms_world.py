"""Disputes with several parties on a side, their agents and guardians, in mediation
(tests/parties/test_rooms_*.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from disputes.models import Dispute, DisputeParty, Representative
from disputes.parties.services import add_party, add_representative, check_representative
from mediation.models import Room
from tests import factories, samples

USCC = "91350100M000100Y43"


@dataclass
class World:
    dispute: Dispute
    users: dict = field(default_factory=dict)  # name -> User
    parties: dict = field(default_factory=dict)  # name -> DisputeParty
    reps: dict = field(default_factory=dict)  # name -> Representative

    def room(self, name: str = "joint") -> Room:
        """The joint room, or the caucus of the party called `name`."""
        if name == "joint":
            return Room.objects.get(dispute=self.dispute, kind="joint")
        return Room.objects.get(dispute=self.dispute, party_record=self.parties[name])


def _rep(world, party_name, name, kind, by, *, approve=True, may_chat=True):
    user = world.users[name] = factories.UserFactory(full_name=name)
    rep = add_representative(
        world.parties[party_name], by=by, kind=kind, relation="lawyer" if kind == "agent" else "parent",
        name=name, phone=user.phone, authorisation=samples.pdf("Power of attorney"), filename="auth.pdf", may_chat=may_chat,
    )  # fmt: skip
    if approve is not None:
        rep = check_representative(rep, by=by, approve=approve)
    world.reps[name] = rep
    return rep


def build(shape: str, dispute, advance, grid_worker, claimant, respondent) -> World:
    """shape "1x3": one claimant, three respondents taking part (the lead, a person with a
    guardian who may not chat by the letter of the authorisation, an organisation with an
    agent) and one who declined; "3x1": the mirror image, with a withdrawn fourth claimant.
    Both have a pending and a rejected agent. Then the dispute is brought into mediation."""
    world = World(dispute)
    many = "respondent" if shape == "1x3" else "claimant"
    world.users["claimant"], world.users["respondent"] = claimant, respondent
    world.parties["claimant"] = dispute.parties.get(side="claimant", position=0)
    world.parties["respondent"] = dispute.parties.get(side="respondent", position=0)
    for name, kind in (("p2", "person"), ("p3", "organisation"), ("p4", "person")):
        user = world.users[name] = factories.UserFactory(full_name=f"{name}-user")
        world.parties[name] = add_party(
            dispute, by=grid_worker, side=many, name=f"{name}-name", phone=user.phone, kind=kind,
            uscc=USCC if kind == "organisation" else "", contact_name=user.full_name,
        )  # fmt: skip
    _rep(world, "p2", "guardian", "guardian", grid_worker, may_chat=False)  # guardians always chat
    _rep(world, "p3", "agent", "agent", grid_worker)
    _rep(world, "p2", "pending", "agent", grid_worker, approve=None)
    _rep(world, "p3", "rejected", "agent", grid_worker, approve=False)
    _rep(world, "p2", "mute", "agent", grid_worker, may_chat=False)  # approved, but not to chat
    p4 = world.parties["p4"]
    if many == "respondent":  # p2 and p3 agreed already: the lead's answer is the last one
        for name in ("p2", "p3"):
            world.parties[name].answer, world.parties[name].answered_at = (
                DisputeParty.Answer.ACCEPTED,
                timezone.now(),
            )
            world.parties[name].save(update_fields=["answer", "answered_at"])
        p4.answer, p4.answered_at = DisputeParty.Answer.DECLINED, timezone.now()
    else:
        p4.withdrawn_at = timezone.now()
    p4.save()
    world.dispute = advance(dispute, "in_mediation")
    world.users["mediator"] = world.dispute.mediator
    return world


def revoke(rep: Representative) -> None:
    """No service revokes an authorisation yet (disputes.parties.services): as one would."""
    rep.status = Representative.Status.REVOKED
    rep.save(update_fields=["status"])
