"""Minutes follow the chat's retention (docs/features/minutes.md, "Retention"): once the dispute
has been closed longer than RETENTION["chat"], their words and PDF are gone; the row, its
hashes and confirmations stay. Minutes of a dispute closed more recently are untouched."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from mediation.models import Minutes
from mediation.privacy import retention
from tests.privacy.test_retention import days

from .conftest import JOINT_AGREED

pytestmark = pytest.mark.django_db


def close(session, claimant, closed_at) -> None:
    services.fire(session.dispute_id, "withdraw", by=claimant, payload={})
    Dispute.objects.filter(pk=session.dispute_id).update(closed_at=closed_at)


def test_old_minutes_lose_their_words_and_pdf_and_keep_their_hashes(
    recorded, claimant, django_capture_on_commit_callbacks
):
    minutes = Minutes.objects.get(session=recorded)
    pdf, sha256, history = minutes.pdf.name, minutes.sha256, minutes.history
    assert default_storage.exists(pdf) and minutes.agreed == JOINT_AGREED
    now = timezone.now()
    close(recorded, claimant, now - days("chat", -1))
    retention.apply(now)  # not yet past the period
    assert Minutes.objects.get(pk=minutes.pk).agreed == JOINT_AGREED and default_storage.exists(pdf)

    Dispute.objects.filter(pk=recorded.dispute_id).update(closed_at=now - days("chat", 1))
    with django_capture_on_commit_callbacks(execute=True):
        retention.apply(now)
    minutes.refresh_from_db()
    assert (minutes.statements, minutes.agreed, minutes.others, minutes.pdf.name) == ([], "", [], "")
    assert not default_storage.exists(pdf)
    assert (minutes.sha256, minutes.history, minutes.version) == (sha256, history, 1)
