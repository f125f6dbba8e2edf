"""The production stack's processes for tests: a PostgreSQL database, redis-server, daphne
and Celery workers, each on a free port, each killed with SIGKILL (docs/testing.md).

Used by the `stack` tests of the chat and the notifications and by the fault suite
(tests/faults/). Servers and scripts share a real database created (and dropped) here, not
pytest-django's test database, whose transactions other processes could not see.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
ON_STACK = DATABASE_URL.startswith(("postgres://", "postgresql://")) and bool(REDIS_URL)
needs_stack = pytest.mark.skipif(not ON_STACK, reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL")
needs_redis_server = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


def free_port(taken: tuple[int, ...] = ()) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port


def wait_for_port(port: int, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def wait_until(check, timeout: float, what: str, interval: float = 0.5, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


# --- PostgreSQL -------------------------------------------------------------------------------
class Database:
    """A database of its own on DATABASE_URL's server, named after DATABASE_URL's own:
    `<its name>_<prefix>_<pid>`."""

    def __init__(self, prefix: str):
        parts = urlsplit(DATABASE_URL)
        self.name = f"{parts.path.strip('/') or 'tiaojie'}_{prefix}_{os.getpid()}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def sql(self, statement: str, params=None, *, admin: bool = False) -> list[tuple] | None:
        import psycopg

        with psycopg.connect(self.admin_url if admin else self.url, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def create(self) -> None:
        self.drop()
        self.sql(f'CREATE DATABASE "{self.name}"', admin=True)

    def drop(self) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', admin=True)


# --- processes --------------------------------------------------------------------------------
def python(script: str, env: dict, *args, timeout: float = 300) -> str:
    """Run a Python script in the stack's environment; its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return done.stdout.decode()


def python_json(script: str, env: dict, *args, timeout: float = 300):
    """Run a script whose last printed line is JSON; that value."""
    return json.loads(python(script, env, *args, timeout=timeout).strip().splitlines()[-1])


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip


def production_env(database_url: str, redis_url: str, var: Path, **extra: str) -> dict:
    """The production settings (config.settings) on these servers, with the caller's own
    TIAOJIE_/DJANGO_/CELERY variables left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIAOJIE_", "DJANGO_", "CELERY"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="stack-test-secret-key-" + "x" * 40,
        TIAOJIE_VAR_DIR=str(var),
        **extra,
    )
    # The suite's own keys, so a test can open what the stack sealed (docs/personal-data-encryption.md).
    # Its signing token too (SOFTHSM2_CONF passes as it is; docs/features/signatures.md), and the
    # suite's PKI folder and trust process (tests/conftest.py), so the stack signs as the suite verifies.
    for name in (
        "TIAOJIE_DATA_KEYS",
        "TIAOJIE_INDEX_KEY",
        "TIAOJIE_PKCS11_MODULE",
        "TIAOJIE_PKCS11_TOKEN",
        "TIAOJIE_PKCS11_PIN",
        "TIAOJIE_PKCS11_SO_PIN",
        "TIAOJIE_PKI_DIR",
        "TIAOJIE_TRUST_PUBLISH_DIR",
        "TIAOJIE_PKI_BASE_URL",
        "TIAOJIE_TSA_URL",
    ):
        if name in os.environ:
            env.setdefault(name, os.environ[name])
    return env


class Process:
    """A server process with a log file under `log`; killed with SIGKILL to its process group
    (its children too: a crash, no goodbye)."""

    def __init__(self, command: list[str], env: dict, log: Path):
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log,
                                            start_new_session=True)  # fmt: skip
        self.starts += 1

    def kill(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def reap(self) -> bool:
        """True once the process has died on its own (its group is killed for good measure)."""
        if self.process is not None and self.process.poll() is not None:
            self.kill()
            return True
        return False


class RedisServer(Process):
    """A redis-server of its own, without persistence: a restart comes back empty."""

    def __init__(self, log: Path, port: int | None = None):
        self.port = port or free_port()
        super().__init__(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            os.environ.copy(), log,
        )  # fmt: skip

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        super().start()
        wait_for_port(self.port, 20, self.process)


class Daphne(Process):
    def __init__(self, env: dict, log: Path, port: int):
        self.port = port
        command = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "config.asgi:application",
        ]
        super().__init__(command, env, log)

    def start(self) -> None:
        super().start()
        wait_for_port(self.port, 60, self.process)


class Worker(Process):
    """A Celery worker with beat (-B), prefork pool of 2."""

    def __init__(self, env: dict, log: Path, schedule: Path):
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency", "2",
                   "--loglevel", "INFO", "--schedule", str(schedule)]  # fmt: skip
        super().__init__(command, env, log)


# --- HTTP -------------------------------------------------------------------------------------
def http(port: int, method: str, path: str, token: str | None = None, body: dict | None = None,
         timeout: float = 30) -> tuple[int, dict, bytes]:  # fmt: skip
    """(status, headers, body) of one request; HTTP errors are answers too."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- a chat client ----------------------------------------------------------------------------
class ChatClient:
    """Speaks docs/chat-protocol.md as a mobile app would: connects with a fresh ticket (to
    another of `ports` while one is down), keeps every message by seq, syncs after each
    reconnect and on any gap, and resends its unacknowledged messages with their
    client_msg_id after a reconnect or ACK_TIMEOUT seconds without an acknowledgement (the
    broadcast that carries it is at most once). `on_ack(client, message)` is called for each
    of its own messages the server acknowledged (its own copy of the message frame)."""

    ACK_TIMEOUT = 5.0

    def __init__(self, ports: list[int], user: dict, room: int, port: int, who: str = "", on_ack=None):
        self.ports, self.user, self.room, self.port = ports, user, room, port
        self.who = who or str(user["id"])
        self.on_ack = on_ack
        self.messages: dict[int, dict] = {}
        self.last = 0  # highest seq held with no gap below it
        self.max_seen = 0
        self.syncing = False
        self.unacked: dict[str, str] = {}
        self.sent_at: dict[str, float] = {}
        self.resends = 0
        self.presence: list[list[int]] = []
        self.ws = None
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.closed = False
        self.task = None

    async def ticket(self, port: int) -> str:
        status, _headers, body = await asyncio.to_thread(
            http, port, "POST", "/api/v1/ws-tickets/", self.user["token"], {}, 5
        )
        if status != 201:
            raise OSError(f"ticket: {status}")
        return json.loads(body)["ticket"]

    async def open(self) -> None:
        """Connect (to another process if this one is down) until it works."""
        import websockets

        while True:
            try:
                ticket = await self.ticket(self.port)
                self.ws = await websockets.connect(
                    f"ws://127.0.0.1:{self.port}/ws/rooms/{self.room}/?ticket={ticket}", open_timeout=5
                )
                return
            except (OSError, TimeoutError, websockets.InvalidHandshake):
                self.port = self.ports[(self.ports.index(self.port) + 1) % len(self.ports)]
                await asyncio.sleep(0.2)

    async def run(self) -> None:
        import websockets

        while not self.closed:
            await self.open()
            try:
                async for text in self.ws:
                    await self.handle(json.loads(text))
            except websockets.ConnectionClosed:
                pass
            self.connected.clear()
            if not self.closed:
                self.reconnects += 1

    async def resend_late(self) -> None:
        while not self.closed:
            await asyncio.sleep(1)
            if not self.connected.is_set():
                continue
            now = time.monotonic()
            for client_msg_id, body in list(self.unacked.items()):
                if now - self.sent_at.get(client_msg_id, now) > self.ACK_TIMEOUT:
                    self.resends += 1
                    await self.send_message(client_msg_id, body)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())
        self.resender = asyncio.create_task(self.resend_late())

    async def stop(self) -> None:
        self.closed = True
        if self.ws is not None:
            await self.ws.close()
        self.task.cancel()
        self.resender.cancel()

    async def send(self, frame: dict) -> None:
        import websockets

        try:
            await self.ws.send(json.dumps(frame, ensure_ascii=False))
        except (websockets.ConnectionClosed, AttributeError):
            pass  # resent after the reconnect

    async def sync(self, force: bool = False) -> None:
        if force or not self.syncing:
            self.syncing = True
            await self.send({"type": "sync", "after": self.last})

    async def handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "hello":
            await self.sync(force=True)
        elif kind == "message":
            message = frame["message"]
            self.messages[message["seq"]] = message
            self.max_seen = max(self.max_seen, message["seq"])
            if message["author"]["id"] == self.user["id"]:
                self.sent_at.pop(message["client_msg_id"], None)
                if self.unacked.pop(message["client_msg_id"], None) is not None and self.on_ack:
                    self.on_ack(self, message)
            while self.last + 1 in self.messages:
                self.last += 1
            if self.max_seen > self.last:
                await self.sync()  # a gap: a broadcast was lost, or came before the sync's read
        elif kind == "synced":
            self.syncing = False
            if not self.connected.is_set():
                self.connected.set()
                for client_msg_id, body in list(self.unacked.items()):
                    await self.send_message(client_msg_id, body)
            if self.max_seen > self.last:
                await self.sync()
        elif kind == "presence":
            self.presence.append(frame["online"])
        elif kind == "error":
            raise AssertionError(f"{self.who}: {frame}")

    async def send_message(self, client_msg_id: str, body: str) -> None:
        self.sent_at[client_msg_id] = time.monotonic()
        await self.send({"type": "send", "body": body, "client_msg_id": client_msg_id})

    async def say(self, body: str) -> str:
        client_msg_id = str(uuid.uuid4())
        self.unacked[client_msg_id] = body
        if self.connected.is_set():
            await self.send_message(client_msg_id, body)
        return client_msg_id

    def abort(self) -> None:
        """Drop the connection without a close handshake, like a lost network."""
        if self.ws is not None and self.connected.is_set():
            self.connected.clear()  # at once, so the same drop is not forced (and counted) twice
            self.ws.transport.abort()
