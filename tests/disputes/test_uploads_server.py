"""Request bodies at the server's edge (docs/security.md, "Uploads"): an oversized
Content-Length is refused before the body is read, a chunked body is cut off at the limit, in
the ASGI app (core.bodylimit.BodyLimit) and in a real daphne process."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator

from core.bodylimit import BodyLimit

ROOT = Path(__file__).resolve().parents[2]
GB2 = 2 * 1024**3


def app_that_reads():
    seen = {"bytes": 0, "called": False}

    async def app(scope, receive, send):
        seen["called"] = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            seen["bytes"] += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app, seen


def scope(path, headers):
    return {"type": "http", "method": "POST", "path": path, "headers": headers, "query_string": b""}


async def run(path, headers, chunks):
    app, seen = app_that_reads()
    comm = ApplicationCommunicator(BodyLimit(app), scope(path, headers))
    for chunk in chunks:
        await comm.send_input({"type": "http.request", "body": chunk, "more_body": True})
    await comm.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await comm.receive_output(5)
    body = await comm.receive_output(5)
    return start, body["body"], seen


@pytest.mark.asyncio
async def test_a_declared_2_gb_body_is_refused_before_the_app_reads_it(settings):
    start, body, seen = await run(
        "/api/v1/disputes/1/evidence/", [(b"content-length", str(GB2).encode())], []
    )
    assert start["status"] == 413
    assert json.loads(body)["code"] == "too_large"
    assert seen["called"] is False


@pytest.mark.asyncio
async def test_a_page_gets_a_page_in_the_visitors_language(settings):
    headers = [(b"content-length", str(GB2).encode()), (b"accept-language", b"en")]
    start, body, _seen = await run("/disputes/1/evidence/", headers, [])
    assert start["status"] == 413
    assert b"<h1>The request is too large.</h1>" in body


@pytest.mark.asyncio
async def test_a_body_longer_than_declared_or_chunked_is_cut_off_at_the_limit(settings):
    settings.REQUEST_MAX_BYTES = 1000
    start, body, seen = await run(
        "/api/v1/disputes/1/evidence/", [(b"content-length", b"10")], [b"x" * 600] * 5
    )
    assert start["status"] == 413
    assert seen["bytes"] <= 1000
    start, _body, seen = await run("/api/v1/disputes/1/evidence/", [], [b"x" * 400] * 2)
    assert start["status"] == 201 and seen["bytes"] == 800


@pytest.mark.asyncio
async def test_a_malformed_content_length_is_answered_400(settings):
    start, body, seen = await run("/api/v1/x/", [(b"content-length", b"12abc")], [])
    assert start["status"] == 400
    assert json.loads(body)["code"] == "invalid"
    assert seen["called"] is False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    port = free_port()
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(TIAOJIE_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="config.settings",
               TIAOJIE_REQUEST_MAX_BYTES=str(1024 * 1024))  # fmt: skip
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port, proc
    proc.terminate()
    proc.wait(10)


def exchange(port: int, head: bytes, body_chunks=(), timeout=10) -> bytes:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(head)
    try:
        for chunk in body_chunks:
            sock.sendall(chunk)
    except OSError:
        pass  # the server closed the connection on us: that is the point
    data = b""
    try:
        while part := sock.recv(65536):
            data += part
    except OSError:
        pass
    sock.close()
    return data


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_daphne_answers_a_declared_2_gb_upload_at_once(daphne):
    port, _proc = daphne
    started = time.monotonic()
    head = (
        f"POST /api/v1/disputes/1/evidence/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {GB2}\r\n\r\n"
    ).encode()
    reply = exchange(port, head)
    assert reply.startswith(b"HTTP/1.1 413")
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1])["code"] == "too_large"
    assert time.monotonic() - started < 5


def test_daphne_cuts_off_a_chunked_body_at_the_limit_without_growing(daphne):
    port, proc = daphne
    before = rss_kb(proc.pid)
    head = b"POST /disputes/1/evidence/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
    reply = exchange(port, head, (chunk for _ in range(50 * 16)))  # 50 MB offered
    assert reply.startswith(b"HTTP/1.1 413")
    assert rss_kb(proc.pid) - before < 20 * 1024  # grew by less than 20 MB
