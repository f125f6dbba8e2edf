"""Call recordings follow the chat's retention (docs/features/calls.md, "Retention"):
uploads, completed or never completed, are kept until then, and then go with their files."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from mediation.models import Call, Recording, RecordingConsent, Room
from mediation.privacy import retention
from mediation.recordings import service
from tests import factories

from .test_retention import days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ended_with_an_upload(claimant, respondent, mediator, regions, advance, closed_at, title) -> Recording:
    dispute = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=title), "in_mediation"
    )
    call = Call.objects.create(room=Room.objects.get(dispute=dispute, kind="joint"), started_by=mediator)
    for user in (claimant, respondent, mediator):
        RecordingConsent.objects.create(call=call, user=user, consent=True)
    rec, _ = service.start(call, mediator, "mediator", "video/webm", f"{title}-r")
    service.append(rec.pk, mediator, "0", b"never completed")
    Call.objects.filter(pk=call.pk).update(ended_at=timezone.now())
    services.fire(dispute.pk, "withdraw", by=claimant, payload={})
    Dispute.objects.filter(pk=dispute.pk).update(closed_at=closed_at)
    return rec


def test_an_abandoned_upload_is_kept_until_the_chat_period_ends(
    claimant, respondent, mediator, regions, advance, django_capture_on_commit_callbacks
):
    now = timezone.now()
    old = ended_with_an_upload(claimant, respondent, mediator, regions, advance, now - days("chat", 1), "旧")
    recent = ended_with_an_upload(
        claimant, respondent, mediator, regions, advance, now - days("chat", -1), "新"
    )
    assert default_storage.exists(old.file) and default_storage.exists(recent.file)
    with django_capture_on_commit_callbacks(execute=True):
        retention.apply(now)
    assert not Recording.objects.filter(pk=old.pk).exists() and not default_storage.exists(old.file)
    assert Recording.objects.filter(pk=recent.pk).exists() and default_storage.exists(recent.file)
