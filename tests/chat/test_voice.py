"""Voice notes in the chat (docs/chat-protocol.md, "Voice notes"): stored like any message,
heard by the room's members only."""

from __future__ import annotations

import threading

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from disputes import services
from mediation.chat import store as chat
from mediation.chat import voice
from mediation.models import Attachment, Message

from .voice_samples import OGG_OPUS, PNG, WEBM_OPUS, WEBM_VIDEO

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """A media folder of this test's own: the stored files are what the tests look at."""
    settings.MEDIA_ROOT = tmp_path


def upload(data=WEBM_OPUS, name="voice.webm"):
    return SimpleUploadedFile(name, data, content_type="audio/webm")


def post(client, room, data=WEBM_OPUS, client_msg_id="v-1", **extra):
    return client.post(
        f"/api/v1/rooms/{room.pk}/voice/",
        {"file": upload(data), "client_msg_id": client_msg_id, **extra},
        format="multipart",
    )


def test_a_party_sends_a_voice_note_stored_as_the_next_message(api, rooms, claimant):
    joint = rooms["joint"]
    chat.post_message(joint.pk, claimant, "先说两句", "t-1")
    response = post(api(claimant), joint, duration_ms="4200")
    assert response.status_code == 201
    message = response.json()
    assert message["seq"] == 2 and message["body"] == "" and message["client_msg_id"] == "v-1"
    att = message["attachment"]
    assert att["kind"] == "voice" and att["content_type"] == "audio/webm"
    assert att["size"] == len(WEBM_OPUS) and att["duration_ms"] == 4200
    assert att["url"] == f"/api/v1/rooms/{joint.pk}/voice/{att['id']}/"
    import hashlib

    assert att["sha256"] == hashlib.sha256(WEBM_OPUS).hexdigest()
    stored = Attachment.objects.get(pk=att["id"])
    assert stored.message.seq == 2 and default_storage.exists(stored.file.name)


def test_text_messages_carry_attachment_null(api, rooms, claimant):
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/messages/", {"body": "你好", "client_msg_id": "t-1"}
    )
    assert response.status_code == 201 and response.json()["attachment"] is None


def test_the_other_members_download_it_and_seek_in_it(api, rooms, claimant, respondent, mediator):
    url = post(api(claimant), rooms["joint"]).json()["attachment"]["url"]
    for user in (respondent, mediator, claimant):
        response = api(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/webm" and response["Accept-Ranges"] == "bytes"
        assert b"".join(response.streaming_content) == WEBM_OPUS
    part = api(respondent).get(url, HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206 and part.content == WEBM_OPUS[4:12]
    assert part["Content-Range"] == f"bytes 4-11/{len(WEBM_OPUS)}"
    tail = api(respondent).get(url, HTTP_RANGE="bytes=-5")
    assert tail.status_code == 206 and tail.content == WEBM_OPUS[-5:]
    assert api(respondent).get(url, HTTP_RANGE=f"bytes={len(WEBM_OPUS)}-").status_code == 416


def test_listening_is_on_the_audit_trail_once_per_play_not_per_range(api, rooms, claimant, respondent):
    from core.models import AuditEntry

    att = post(api(claimant), rooms["joint"]).json()["attachment"]
    api(respondent).get(att["url"], HTTP_RANGE="bytes=0-")
    api(respondent).get(att["url"], HTTP_RANGE="bytes=100-200")
    (entry,) = AuditEntry.objects.filter(action="download", target=f"voice:{att['id']}")
    assert entry.actor_id == respondent.pk and entry.data["sha256"] == att["sha256"]


def test_history_and_sync_return_it_in_seq_order(api, rooms, claimant, respondent):
    joint = rooms["joint"]
    chat.post_message(joint.pk, claimant, "第一条", "t-1")
    posted = post(api(claimant), joint).json()
    chat.post_message(joint.pk, respondent, "第三条", "t-3")
    history = api(respondent).get(f"/api/v1/rooms/{joint.pk}/messages/").json()["results"]
    assert [m["seq"] for m in history] == [1, 2, 3]
    assert [m["attachment"] is not None for m in history] == [False, True, False]
    assert history[1] == posted
    frames, _last = chat.sync_frames(joint.pk, 0)
    assert [f["message"] for f in frames] == history  # the socket's sync: the same objects


def test_the_same_client_msg_id_twice_stores_one_voice_note(api, rooms, claimant):
    first = post(api(claimant), rooms["joint"])
    again = post(api(claimant), rooms["joint"])
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert Message.objects.filter(room=rooms["joint"]).count() == 1
    assert Attachment.objects.count() == 1
    files = default_storage.listdir(f"voice/{rooms['joint'].pk}")[1]
    assert files == [Attachment.objects.get().file.name.rsplit("/", 1)[1]]  # the retry's copy is gone


@pytest.mark.django_db(transaction=True)
def test_a_race_of_two_uploads_with_one_client_msg_id_stores_one(rooms, claimant):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    results, barrier = [], threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            results.append(voice.post_voice(rooms["joint"], claimant, upload(), "same").created)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert Attachment.objects.count() == 1 and Message.objects.filter(room=rooms["joint"]).count() == 1


def test_an_outsider_staff_and_the_other_party_get_404(
    api, rooms, claimant, respondent, outsider, grid_worker
):
    url = post(api(claimant), rooms["claimant"]).json()["attachment"]["url"]
    for user in (outsider, grid_worker, respondent):
        assert post(api(user), rooms["claimant"], client_msg_id="x").status_code == 404
        response = api(user).get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api().get(url).status_code == 401
    # The respondent's own caucus does not open the claimant's voice note either.
    other = url.replace(f"/rooms/{rooms['claimant'].pk}/", f"/rooms/{rooms['respondent'].pk}/")
    assert api(respondent).get(other).status_code == 404
    assert Message.objects.filter(room=rooms["claimant"]).count() == 1


def test_a_caucus_voice_note_never_reaches_the_other_party(api, rooms, claimant, respondent):
    post(api(claimant), rooms["claimant"])
    history = api(respondent).get(f"/api/v1/rooms/{rooms['joint'].pk}/messages/").json()["results"]
    assert history == []
    assert api(respondent).get(f"/api/v1/rooms/{rooms['claimant'].pk}/messages/").status_code == 403


def test_a_read_only_room_refuses_with_409_and_stores_nothing(api, rooms, claimant, mediator):
    services.fire(
        rooms["joint"].dispute_id, "fail_mediation", by=mediator, payload={"reason": "无法达成一致"}
    )
    response = post(api(claimant), rooms["joint"])
    assert response.status_code == 409 and response.json()["code"] == "read_only"
    assert not Message.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("data", [PNG, WEBM_VIDEO, b"plain text, not audio" * 10])
def test_what_is_not_audio_is_refused_with_415(api, rooms, claimant, data):
    response = post(api(claimant), rooms["joint"], data=data)
    assert response.status_code == 415 and response.json()["code"] == "unsupported_type"
    assert not Message.objects.exists()


def test_ogg_is_accepted_too(api, rooms, claimant):
    response = post(api(claimant), rooms["joint"], data=OGG_OPUS)
    assert response.status_code == 201 and response.json()["attachment"]["content_type"] == "audio/ogg"


def test_too_large_or_too_long_is_refused_with_413(api, rooms, claimant, settings):
    settings.CHAT_VOICE_MAX_BYTES = len(WEBM_OPUS) - 1
    response = post(api(claimant), rooms["joint"])
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    settings.CHAT_VOICE_MAX_BYTES = 5 * 1024 * 1024
    response = post(api(claimant), rooms["joint"], duration_ms=str(3 * 60 * 1000 + 1))
    assert response.status_code == 413
    assert not Message.objects.exists()


def test_a_declared_body_over_the_limit_is_refused_before_reading(api, rooms, claimant):
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/voice/", b"x", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(6 * 1024 * 1024),
    )  # fmt: skip
    assert response.status_code == 413


@pytest.mark.parametrize(
    "fields",
    [{"client_msg_id": ""}, {"client_msg_id": "x" * 65}, {"duration_ms": "-1"}, {"duration_ms": "1e3"}],
)
def test_bad_fields_are_400(api, rooms, claimant, fields):
    response = post(api(claimant), rooms["joint"], **{"client_msg_id": "ok", **fields})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Message.objects.exists()


def test_a_missing_file_is_400(api, rooms, claimant):
    response = api(claimant).post(
        f"/api/v1/rooms/{rooms['joint'].pk}/voice/", {"client_msg_id": "v"}, format="multipart"
    )
    assert response.status_code == 400


def test_voice_notes_count_against_the_chat_rate(api, rooms, claimant, settings):
    settings.CHAT_RATE = 2
    codes = [post(api(claimant), rooms["joint"], client_msg_id=f"v-{i}").status_code for i in range(4)]
    assert codes.count(429) >= 1 and codes[0] == 201
