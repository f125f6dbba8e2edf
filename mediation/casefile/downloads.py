"""A download of the case file or the referral letter: a render job collected when ready and
recorded on the timeline (docs/features/casework.md)."""

from __future__ import annotations

import hashlib

from accounts.models import User
from disputes import casework
from disputes.models import Dispute

from . import rendering, tasks


def download(document: str, dispute: Dispute, reader: User) -> tuple[str, bytes | None]:
    """("ready", pdf) with the download recorded on the timeline; ("pending", None) while the
    render runs; ("failed", reason) after it hit a limit. The caller has checked
    casework.may_read_case_file (and, for the letter, that the dispute was referred)."""

    def enqueue(at):
        tasks.render_case_document.delay(document, dispute.pk, reader.pk)

    status, data, at = rendering.collect(document, dispute.pk, reader.pk, enqueue)
    if status == "ready":
        casework.record_download(
            dispute, reader, document=document, sha256=hashlib.sha256(data).hexdigest(), at=at
        )
    return status, data
