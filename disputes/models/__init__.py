"""Every model of the disputes app, so `from disputes.models import X` and the migrations
(`disputes.models.evidence_path`) keep working."""

from .dispute import (
    TRANSITIONS,
    Category,
    Dispute,
    DisputeEvent,
    DisputeQuerySet,
    Evidence,
    Level,
    Party,
    evidence_path,
)
from .links import DisputeLink
from .parties import Capacity, DisputeParty, Representative, Side
from .records import InfoRequest, Rating, Review
from .risk import RiskAlert
from .selfhelp import Guide, GuideVersion, GuideWalk
from .sla import Holiday, SlaNotice, SlaPolicy
from .tallies import SettlementTally, Tally

__all__ = [
    "TRANSITIONS", "Category", "Dispute", "DisputeEvent", "DisputeQuerySet", "Evidence", "Level",
    "Party", "evidence_path", "InfoRequest", "Rating", "Review", "Holiday", "SlaNotice", "SlaPolicy",
    "SettlementTally", "Tally", "Guide", "GuideVersion", "GuideWalk", "RiskAlert", "DisputeLink",
    "Capacity", "DisputeParty", "Representative", "Side",
]  # fmt: skip
