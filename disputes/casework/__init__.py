"""Case handling (docs/features/casework.md): the escalated-case queue, requests for
information, referrals and the case file's audit trail.

- `access`: who may open the case page and read the case file; the account behind a party.
- `queues`: escalated cases a handler may take, the cases they hold.
- `info_requests`: asking a party, their answer, the reminder sweep.
- `referrals`: conclude's destination, the referral event, the download trail.
- `hooks`: what DisputesConfig.ready() registers.
- `api`, `views`, `forms`, `api_urls`, `urls` (namespace `cases`), `party_urls`: over HTTP.

mediation's case file (mediation/casefile/dossier.py, casefile/api.py) calls the three names below
on this package.
"""

from .access import may_read_case_file
from .referrals import record_download, referral

__all__ = ["may_read_case_file", "record_download", "referral"]
