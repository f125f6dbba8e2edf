"""Recordings as evidence: what a browser's MediaRecorder writes (WebM/Opus, Ogg, MP4 audio)
is accepted, a video in the same containers is not; a voice note recorded on the filing page
is filed as evidence of the new dispute (docs/security.md, "Uploads")."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import uploads
from disputes.models import Dispute, Evidence
from tests import samples
from tests.chat.voice_samples import OGG_OPUS, WEBM_OPUS, WEBM_VIDEO
from tests.pages.test_dispute_pages import filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def mp4(handler: bytes) -> bytes:
    """An ISO media file (ftyp isom) whose moov holds one track with this handler type."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    hdlr = b"\x00\x00\x00\x21hdlr" + b"\x00" * 8 + handler + b"\x00" * 12 + b"\x00"
    return ftyp + b"\x00\x00\x00\x29moov" + hdlr + bytes(range(256)) * 4


def test_audio_is_recognised_from_the_content():
    assert uploads.audio_type(WEBM_OPUS) == ("audio/webm", "webm")
    assert uploads.audio_type(OGG_OPUS) == ("audio/ogg", "ogg")
    assert uploads.audio_type(mp4(b"soun")) == ("audio/mp4", "m4a")
    assert uploads.audio_type(WEBM_VIDEO) is None
    assert uploads.audio_type(mp4(b"vide")) is None
    assert uploads.audio_type(samples.png()) is None


def test_a_webm_recording_is_accepted_as_evidence_and_a_video_is_not(api, dispute, claimant):
    url = f"/api/v1/disputes/{dispute.pk}/evidence/"
    ok = api(claimant).post(url, {"file": SimpleUploadedFile("录音.webm", WEBM_OPUS)}, format="multipart")
    assert ok.status_code == 201 and ok.json()["content_type"] == "audio/webm"
    assert ok.json()["filename"] == "录音.webm"
    for video in (WEBM_VIDEO, mp4(b"vide")):
        refused = api(claimant).post(url, {"file": SimpleUploadedFile("v.webm", video)}, format="multipart")
        assert refused.status_code == 415 and refused.json()["code"] == "unsupported_type"
    assert Evidence.objects.filter(dispute=dispute).count() == 1


def test_a_voice_note_recorded_when_filing_is_filed_as_evidence(client, claimant, respondent, regions):
    client.force_login(claimant)
    data = filing(regions, respondent.phone, evidence=[SimpleUploadedFile("voice-note.webm", WEBM_OPUS)])
    response = client.post("/disputes/new/", data)
    assert response.status_code == 302
    dispute = Dispute.objects.get(title="噪音扰民")
    (evidence,) = Evidence.objects.filter(dispute=dispute)
    assert evidence.filename == "voice-note.webm" and evidence.content_type == "audio/webm"
    assert evidence.uploaded_by == claimant


def test_the_filing_page_offers_the_recorder(client, claimant):
    client.force_login(claimant)
    page = client.get("/disputes/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="filing-voice"' in page and "录制语音留言" in page and "js/voice-filing.js" in page
