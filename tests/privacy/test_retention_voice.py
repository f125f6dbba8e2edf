"""Voice notes follow the chat's retention: the attachment and its file go, the message row
stays (docs/personal-data-retention.md)."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from mediation.chat import voice
from mediation.models import Attachment, Message, Room
from mediation.privacy import retention
from tests import factories
from tests.chat.voice_samples import WEBM_OPUS

from .test_retention import days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ended_with_a_voice_note(claimant, respondent, regions, advance, closed_at, title):
    dispute = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=title), "in_mediation"
    )
    joint = Room.objects.get(dispute=dispute, kind="joint")
    posted = voice.post_voice(joint, claimant, SimpleUploadedFile("v.webm", WEBM_OPUS), f"{title}-v")
    services.fire(dispute.pk, "withdraw", by=claimant, payload={})
    Dispute.objects.filter(pk=dispute.pk).update(closed_at=closed_at)
    return Attachment.objects.get(pk=posted.frame["message"]["attachment"]["id"])


def test_an_expired_voice_note_and_its_file_are_deleted_after_commit(
    claimant, respondent, regions, advance, django_capture_on_commit_callbacks
):
    now = timezone.now()
    old = ended_with_a_voice_note(claimant, respondent, regions, advance, now - days("chat", 1), "旧")
    recent = ended_with_a_voice_note(claimant, respondent, regions, advance, now - days("chat", -1), "新")
    assert retention.purge_voice_notes(now, dry_run=True, batch=100) == 1
    assert default_storage.exists(old.file.name)  # a dry run changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        counts = retention.apply(now)
    assert counts["chat"] >= 1
    assert not Attachment.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old.file.name)
    assert Message.objects.filter(pk=old.message_id).exists()  # the seq stays
    assert Attachment.objects.filter(pk=recent.pk).exists() and default_storage.exists(recent.file.name)
