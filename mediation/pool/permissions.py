"""Who may use the pool's API (docs/features/assignment.md): one class per rule function."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..permissions import Rule
from . import ranking


class SeesRanking(Rule):
    """The ranked candidates: superusers and the dispute's staff (ranking.sees_ranking)."""

    message = _("Only staff see the candidates.")

    def allows(self, dispute, user) -> bool:
        return ranking.sees_ranking(dispute, user)
