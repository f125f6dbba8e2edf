"""Voice notes in the case file: the joint room's and audio evidence listed as attachments
(duration, size, SHA-256, author, time); a caucus voice note never (docs/chat-protocol.md)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from disputes import services
from mediation.chat import voice
from mediation.models import Room
from tests.chat.voice_samples import OGG_OPUS, WEBM_OPUS

from .conftest import flat, pdf_pages

pytestmark = pytest.mark.django_db

CAUCUS_VOICE = WEBM_OPUS + b"caucus-only"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_voice_notes_and_audio_evidence_are_listed_and_the_caucus_never(
    dispute, advance, claimant, respondent, mediator, street_handler, api, tmp_path
):
    advance(dispute, "in_mediation")
    rooms = {room.party or "joint": room for room in Room.objects.filter(dispute=dispute)}
    evidence = services.add_evidence(
        dispute, by=claimant, upload=SimpleUploadedFile("录音.ogg", OGG_OPUS), description="楼上噪音录音"
    )
    joint = voice.post_voice(
        rooms["joint"], respondent, SimpleUploadedFile("v.webm", WEBM_OPUS), "j-1", "65000"
    )
    secret = voice.post_voice(
        rooms["claimant"], claimant, SimpleUploadedFile("v.webm", CAUCUS_VOICE), "c-1", "7000"
    )
    services.fire(dispute.pk, "fail_mediation", by=mediator, payload={"reason": "分歧过大"})

    response = api(street_handler).get(f"/api/v1/disputes/{dispute.pk}/dossier/")
    assert response.status_code == 200
    text = flat("".join(pdf_pages(response.content, tmp_path)))
    assert "音频附件" in text
    # The joint room's voice note: its seq, duration, size, hash and author.
    assert f"语音留言#{joint.frame['message']['seq']}" in text
    assert "1:05" in text and hashlib.sha256(WEBM_OPUS).hexdigest() in text and "李四" in text
    # Audio evidence: file name, description, hash.
    assert "录音.ogg" in text and "楼上噪音录音" in text and evidence.sha256 in text
    # The caucus voice note: not its hash, not its length.
    assert secret.frame["message"]["attachment"]["sha256"] not in text
    assert "0:07" not in text
