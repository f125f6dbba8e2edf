"""Who may change the parties of a dispute, and when (docs/features/parties.md, "Intake").

- A grid worker of the dispute's grid adds parties, adds agents and guardians, and checks
  authorisations.
- A party (or the contact of an organisation party) may add an agent or guardian for itself;
  a grid worker still checks the authorisation.
- All of this only while the dispute is open and no settlement has been proposed (the
  agreement names its parties and signers: they must not change under it).
- The grid worker, or the party itself, may revoke an authorisation at any time before the
  dispute ends (a mandate can always be withdrawn; what the agent already did stands).
- An authorisation file is downloaded by whoever may see the dispute, as evidence is.
"""

from __future__ import annotations

from disputes.language import is_fixed
from disputes.models import Capacity, Dispute, DisputeParty


def may_manage(dispute: Dispute, user) -> bool:
    return bool(user.is_authenticated and dispute.is_grid_worker(user))


def is_open_for_intake(dispute: Dispute) -> bool:
    return not dispute.is_terminal and not is_fixed(dispute)


def speaks_for_itself(party: DisputeParty, user) -> bool:
    """The user is this party, or the legal representative or contact of this organisation."""
    own = (Capacity.PARTY, Capacity.LEGAL_REPRESENTATIVE)
    return any(p.pk == party.pk and c in own for p, c in party.dispute.acting_for(user))


def may_add_representative(party: DisputeParty, user) -> bool:
    return may_manage(party.dispute, user) or speaks_for_itself(party, user)


def may_revoke(rep, user) -> bool:
    return may_manage(rep.party.dispute, user) or speaks_for_itself(rep.party, user)
