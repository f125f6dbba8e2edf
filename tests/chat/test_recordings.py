"""Call recordings (docs/features/calls.md): every member's consent, the mediator's
resumable upload, the recording on its room's timeline with its SHA-256, and nowhere else."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.storage import default_storage

from mediation.casefile import dossier
from mediation.models import Attachment, Call, Message, Recording
from mediation.owndata.collect import collect

from .voice_samples import WEBM_OPUS, WEBM_VIDEO

pytestmark = pytest.mark.django_db

VIDEO = WEBM_VIDEO + bytes(range(256)) * 40  # about 12 kB, uploaded in chunks


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def live_call(room, mediator) -> Call:
    """A live call, as the calls service will create it (this module writes against the model)."""
    return Call.objects.create(room=room, started_by=mediator)


def consent(client, call, value=True):
    return client.post(f"/api/v1/calls/{call.pk}/consent/", {"consent": value}, format="json")


def start(client, call, client_id="r-1", content_type="video/webm"):
    return client.post(
        f"/api/v1/calls/{call.pk}/recordings/",
        {"content_type": content_type, "client_id": client_id},
        format="json",
    )


def chunk(client, rec_id, offset, data):
    return client.generic(
        "PATCH",
        f"/api/v1/recordings/{rec_id}/chunks/?offset={offset}",
        data,
        content_type="application/octet-stream",
    )


def finish(client, rec_id, data, **extra):
    body = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "duration_ms": 3000, **extra}
    return client.post(f"/api/v1/recordings/{rec_id}/complete/", body, format="json")


@pytest.fixture
def joint_call(rooms, mediator):
    return live_call(rooms["joint"], mediator)


@pytest.fixture
def consented(api, joint_call, claimant, respondent, mediator):
    for user in (claimant, respondent, mediator):
        assert consent(api(user), joint_call).status_code == 200
    return joint_call


def upload(api, mediator, call, data=VIDEO, size=4096):
    client = api(mediator)
    rec = start(client, call).json()
    for offset in range(0, len(data), size):
        assert chunk(client, rec["id"], offset, data[offset : offset + size]).status_code == 200
    return rec["id"]


# --- consent -------------------------------------------------------------------------------------
def test_each_member_consents_and_it_is_an_event_in_the_room(api, joint_call, claimant, respondent, mediator):
    response = consent(api(claimant), joint_call)
    assert response.status_code == 200
    body = response.json()
    mine = [row for row in body["consents"] if row["user"] == claimant.pk]
    assert mine[0]["consent"] is True and not body["all_consented"] and not body["may_record"]
    message = Message.objects.get(room=joint_call.room, author=claimant)
    assert message.event == {"call": str(joint_call.pk), "action": "consent", "consent": True}
    consent(api(respondent), joint_call)
    consent(api(mediator), joint_call)
    status = api(respondent).get(f"/api/v1/calls/{joint_call.pk}/recording-status/").json()
    assert status["all_consented"] and status["may_record"] and status["recordings"] == []
    # the same answer again is no new event
    consent(api(claimant), joint_call)
    assert Message.objects.filter(room=joint_call.room, author=claimant).count() == 1


def test_non_members_and_the_other_party_of_a_caucus_get_404(
    api, rooms, mediator, claimant, respondent, outsider
):
    caucus = live_call(rooms["claimant"], mediator)
    assert consent(api(respondent), caucus).status_code == 404
    assert consent(api(outsider), caucus).status_code == 404
    assert api(respondent).get(f"/api/v1/calls/{caucus.pk}/recording-status/").status_code == 404
    assert consent(api(claimant), caucus).status_code == 200
    assert api(claimant).post("/api/v1/calls/00000000-0000-0000-0000-000000000000/consent/",
                              {"consent": True}, format="json").status_code == 404  # fmt: skip
    assert consent(api(), caucus).status_code in (401, 403)


def test_consent_to_an_ended_call_is_409(api, joint_call, claimant):
    Call.objects.filter(pk=joint_call.pk).update(ended_at=joint_call.started_at)
    response = consent(api(claimant), joint_call)
    assert response.status_code == 409 and response.json()["code"] == "call_ended"


def test_malformed_consent_is_400(api, joint_call, claimant):
    assert api(claimant).post(f"/api/v1/calls/{joint_call.pk}/consent/", {"consent": "maybe"},
                              format="json").status_code == 400  # fmt: skip


# --- starting -------------------------------------------------------------------------------------
def test_recording_needs_everyone_and_the_mediator(api, joint_call, claimant, respondent, mediator):
    consent(api(claimant), joint_call)
    consent(api(mediator), joint_call)
    refused = start(api(mediator), joint_call)
    assert refused.status_code == 409 and refused.json()["code"] == "consent_missing"
    consent(api(respondent), joint_call)
    assert start(api(claimant), joint_call).status_code == 403
    created = start(api(mediator), joint_call)
    assert created.status_code == 201
    body = created.json()
    assert body["offset"] == 0 and body["upload_url"] == f"/api/v1/recordings/{body['id']}/chunks/"
    again = start(api(mediator), joint_call)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert start(api(mediator), joint_call, "r-2", content_type="text/html").status_code == 400


# --- chunks ---------------------------------------------------------------------------------------
def test_a_chunk_at_the_wrong_offset_is_409_with_the_offset(api, consented, mediator, claimant):
    client = api(mediator)
    rec = start(client, consented).json()["id"]
    assert chunk(client, rec, 0, VIDEO[:1000]).json()["offset"] == 1000
    wrong = chunk(client, rec, 0, VIDEO[:1000])
    assert (
        wrong.status_code == 409 and wrong.json()["code"] == "wrong_offset" and wrong.json()["offset"] == 1000
    )
    assert chunk(client, rec, 5000, VIDEO[1000:2000]).json()["offset"] == 1000
    assert chunk(api(claimant), rec, 1000, VIDEO[1000:2000]).status_code == 403
    assert client.get(f"/api/v1/recordings/{rec}/").json()["offset"] == 1000
    head = client.head(f"/api/v1/recordings/{rec}/")
    assert head.status_code == 200 and head["Upload-Offset"] == "1000"


def test_oversized_chunks_and_totals_are_413(api, consented, mediator, settings):
    settings.RECORDING_CHUNK_MAX_BYTES = 1000
    settings.RECORDING_MAX_BYTES = 1500
    client = api(mediator)
    rec = start(client, consented).json()["id"]
    assert chunk(client, rec, 0, VIDEO[:1001]).status_code == 413
    assert chunk(client, rec, 0, VIDEO[:1000]).status_code == 200
    assert chunk(client, rec, 1000, VIDEO[1000:1600]).status_code == 413
    assert client.get(f"/api/v1/recordings/{rec}/").json()["offset"] == 1000


# --- completion -----------------------------------------------------------------------------------
def test_complete_puts_the_recording_with_its_sha256_on_the_room_timeline(
    api, consented, mediator, respondent
):
    rec = upload(api, mediator, consented)
    done = finish(api(mediator), rec, VIDEO)
    assert done.status_code == 200
    digest = hashlib.sha256(VIDEO).hexdigest()
    body = done.json()
    assert body["complete"] and body["sha256"] == digest and body["offset"] == len(VIDEO)
    message = Message.objects.get(room=consented.room, attachment__isnull=False)
    assert message.event == {"call": str(consented.pk), "action": "recording", "recording": rec,
                             "sha256": digest, "size": len(VIDEO)}  # fmt: skip
    att = message.attachment
    assert att.kind == Attachment.Kind.RECORDING and att.sha256 == digest and att.content_type == "video/webm"
    history = api(respondent).get(f"/api/v1/rooms/{consented.room.pk}/messages/").json()
    listed = [
        m for m in (history.get("results") or history.get("messages") or history) if m.get("attachment")
    ]
    assert listed[0]["attachment"]["sha256"] == digest
    # twice: the same answer, one message
    assert finish(api(mediator), rec, VIDEO).status_code == 200
    assert Attachment.objects.filter(kind="recording").count() == 1
    assert chunk(api(mediator), rec, len(VIDEO), b"more").json()["code"] == "complete"


def test_a_wrong_sha256_or_size_attaches_nothing(api, consented, mediator):
    rec = upload(api, mediator, consented)
    wrong = finish(api(mediator), rec, VIDEO, sha256="0" * 64)
    assert wrong.status_code == 409 and wrong.json()["code"] == "sha256_mismatch"
    short = finish(api(mediator), rec, VIDEO[:-1])
    assert short.status_code == 409 and short.json()["offset"] == len(VIDEO)
    assert not Attachment.objects.exists()
    kept = api(mediator).get(f"/api/v1/calls/{consented.pk}/recording-status/").json()["recordings"]
    assert kept[0]["id"] == rec and not kept[0]["complete"] and kept[0]["offset"] == len(VIDEO)
    assert finish(api(mediator), rec, VIDEO).status_code == 200


def test_something_that_is_not_a_recording_is_415(api, consented, mediator):
    data = b"<html>" + bytes(3000)
    rec = upload(api, mediator, consented, data)
    assert finish(api(mediator), rec, data).status_code == 415


def test_an_audio_recording_is_typed_from_its_content(api, consented, mediator):
    client = api(mediator)
    rec = start(client, consented, "r-audio", content_type="video/webm").json()["id"]
    chunk(client, rec, 0, WEBM_OPUS)
    assert finish(client, rec, WEBM_OPUS).json()["content_type"] == "audio/webm"


# --- withdrawal -----------------------------------------------------------------------------------
def test_withdrawal_stops_the_upload_and_keeps_what_was_consented(api, consented, mediator, respondent):
    client = api(mediator)
    rec = start(client, consented).json()["id"]
    chunk(client, rec, 0, VIDEO[:5000])
    assert consent(api(respondent), consented, False).json()["may_record"] is False
    event = Message.objects.filter(room=consented.room, author=respondent).last().event
    assert event["action"] == "consent" and event["consent"] is False
    refused = chunk(client, rec, 5000, VIDEO[5000:])
    assert refused.status_code == 409 and refused.json()["code"] == "consent_withdrawn"
    assert start(client, consented, "r-2").json()["code"] == "consent_missing"
    done = finish(client, rec, VIDEO[:5000])
    assert done.status_code == 200 and done.json()["stopped"] and done.json()["offset"] == 5000


# --- download and confidentiality -----------------------------------------------------------------
def test_members_download_with_ranges(api, consented, mediator, claimant, outsider):
    rec = upload(api, mediator, consented)
    assert api(claimant).get(f"/api/v1/recordings/{rec}/file/").status_code == 404  # not complete yet
    finish(api(mediator), rec, VIDEO)
    whole = api(claimant).get(f"/api/v1/recordings/{rec}/file/")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == VIDEO
    part = api(claimant).get(f"/api/v1/recordings/{rec}/file/", HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part.content == VIDEO[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(VIDEO)}"
    assert api(outsider).get(f"/api/v1/recordings/{rec}/file/").status_code == 404


def test_a_caucus_recording_stays_in_its_room(api, rooms, mediator, claimant, respondent, mediating):
    caucus = live_call(rooms["claimant"], mediator)
    consent(api(claimant), caucus)
    consent(api(mediator), caucus)
    rec = upload(api, mediator, caucus)
    assert finish(api(mediator), rec, VIDEO).status_code == 200
    assert api(claimant).get(f"/api/v1/recordings/{rec}/file/").status_code == 200
    for url in (f"/api/v1/recordings/{rec}/file/", f"/api/v1/recordings/{rec}/"):
        assert api(respondent).get(url).status_code == 404
    att = Attachment.objects.get(kind="recording")
    voice_url = f"/api/v1/rooms/{rooms['claimant'].pk}/voice/{att.pk}/"
    assert api(respondent).get(voice_url).status_code == 404
    transcript = dossier.joint_transcript(mediating)
    assert not any(m["voice"] for m in transcript)
    digest = hashlib.sha256(VIDEO).hexdigest()
    assert digest not in json.dumps(collect(respondent), default=str)
    assert Recording.objects.get(pk=rec).file and default_storage.exists(Recording.objects.get(pk=rec).file)
