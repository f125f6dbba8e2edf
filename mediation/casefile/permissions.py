"""Who may download a dispute's case file and referral letter (disputes.casework decides)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from disputes import casework

from ..permissions import Rule


class ReadsCaseFile(Rule):
    message = _("Only case handlers and grid workers can download the case file.")

    def allows(self, dispute, user) -> bool:
        return casework.may_read_case_file(dispute, user)
