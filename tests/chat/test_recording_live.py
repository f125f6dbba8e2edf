"""A dropped connection mid-chunk, for real (docs/features/calls.md, "Chunks"): a raw socket
sends a chunk's headers and part of its body to a live server, then closes. Nothing of that
chunk is stored; the upload resumes at the offset the server gives and completes with the
SHA-256 of exactly the bytes recorded."""

from __future__ import annotations

import hashlib
import os
import socket
from urllib.parse import urlsplit

import pytest
from rest_framework.authtoken.models import Token

from mediation.models import Attachment, Call, Message

from .test_recordings import VIDEO, chunk, consent, finish, start

# The live server listens in this branch's port range (docs/features/calls.md, "Tests").
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1:8410")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def cut_short(live_server, token: str, path: str, declared: int, sent: bytes) -> bytes:
    """Send a chunk request announcing `declared` bytes, send only `sent`, close our side, and
    return whatever the server answered before closing."""
    where = urlsplit(live_server.url)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode() + sent)
        sock.shutdown(socket.SHUT_WR)  # the connection drops: the rest of the body never comes
        answer = b""
        while block := sock.recv(65536):
            answer += block
    return answer


@pytest.mark.django_db(transaction=True)
def test_a_chunk_cut_off_mid_body_stores_nothing_and_the_upload_resumes(
    live_server, api, rooms, claimant, respondent, mediator
):
    call = Call.objects.create(room=rooms["joint"], started_by=mediator)
    for user in (claimant, respondent, mediator):
        consent(api(user), call)
    client = api(mediator)
    rec = start(client, call).json()["id"]
    assert chunk(client, rec, 0, VIDEO[:4000]).status_code == 200

    token = Token.objects.get(user=mediator).key
    answer = cut_short(
        live_server, token, f"/api/v1/recordings/{rec}/chunks/?offset=4000", 4000, VIDEO[4000:5500]
    )
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request" and b'"code":"incomplete"' in rest
    assert client.get(f"/api/v1/recordings/{rec}/").json()["offset"] == 4000
    assert client.head(f"/api/v1/recordings/{rec}/")["Upload-Offset"] == "4000"

    for offset in (4000, 8000):
        assert chunk(client, rec, offset, VIDEO[offset : offset + 4000]).status_code == 200
    assert chunk(client, rec, 12000, VIDEO[12000:]).json()["offset"] == len(VIDEO)
    done = finish(client, rec, VIDEO)
    digest = hashlib.sha256(VIDEO).hexdigest()
    assert done.status_code == 200 and done.json()["sha256"] == digest
    message = Message.objects.get(room=rooms["joint"], attachment__kind=Attachment.Kind.RECORDING)
    assert message.attachment.sha256 == digest and message.event["sha256"] == digest
