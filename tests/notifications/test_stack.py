"""The outbox on the production stack: a real Celery worker (with beat) on Redis and PostgreSQL.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set (make test-stack), and needs
`redis-server`: each test starts its own Redis on a free port as the broker, so it can stop
it without touching the shared one. The worker and the scripts that cause notices share a
database created (and dropped) here, and write the file backends' outbox under a temporary
folder, where messages are counted by notification id.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and REDIS_URL),
        reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
ROOT = Path(__file__).resolve().parents[2]
BATCH = 10

SETUP = """
import json, django
django.setup()
from tests import factories
from accounts.models import User
from disputes.models import Category
import importlib
migration = importlib.import_module("disputes.migrations.0002_categories")
regions = factories.region_tree()
claimant = factories.UserFactory(username="claimant", full_name="张三", email="zhang@example.cn")
worker = factories.staff("grid_worker", regions["grid1"], username="grid_worker")
dispute = factories.file_dispute(claimant, regions["grid1"], "13999990000", respondent_email="chen@example.cn")
print(json.dumps({"dispute": dispute.pk, "claimant": claimant.pk, "worker": worker.pk}))
"""

# 500 reminders to a resident with a phone and an email: 1,000 SMS and email rows, one commit.
THOUSAND = """
import django, sys
django.setup()
from django.db import transaction
from accounts.models import User
from disputes import services
from disputes.models import Dispute
dispute = Dispute.objects.get(pk=int(sys.argv[1]))
resident = User.objects.get(pk=int(sys.argv[2]))
with transaction.atomic():
    for _ in range(500):
        services.record_event(dispute, "sla_reminder", None, notify=[resident])
"""

ACCEPT = """
import django, sys, time
django.setup()
from accounts.models import User
from disputes import services
started = time.monotonic()
services.fire(int(sys.argv[1]), "accept", by=User.objects.get(pk=int(sys.argv[2])))
print(time.monotonic() - started)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, tmp: Path):
        parts = urlsplit(DATABASE_URL)
        base = parts.path.strip("/") or "tiaojie"
        self.db_name = f"{base}_notify_stack_{os.getpid()}"
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.db_url = urlunsplit(parts._replace(path=f"/{self.db_name}"))
        self.redis_port = free_port()
        self.var = tmp / "var"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TIAOJIE_", "DJANGO_", "CELERY"))
        }
        self.env.update(
            DATABASE_URL=self.db_url,
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_SECRET_KEY="stack-test-secret-key-" + "x" * 40,
            TIAOJIE_VAR_DIR=str(self.var),
            TIAOJIE_NOTIFY_SWEEP_SECONDS="2",  # sweep every 2 s
            TIAOJIE_NOTIFY_SWEEP_GRACE="3",  # re-queue rows queued 3 s ago and still pending
            TIAOJIE_NOTIFY_LEASE="5",  # a dead worker's claim expires after 5 s
            TIAOJIE_NOTIFY_BATCH=str(BATCH),  # rows a task claims and sends together
            # 50 ms a message, as a provider takes: the worker is killed mid-burst.
            TIAOJIE_SMS_BACKEND="tests.notifications.gateways.SlowSms",
            TIAOJIE_AUTO_ASSIGN="0",
        )
        self.redis: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def sql(self, statement: str, url: str | None = None):
        import psycopg

        with psycopg.connect(url or self.admin_url, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else None

    def rows(self, where: str = "TRUE") -> list[tuple]:
        return self.sql(
            f"SELECT id, channel, status, attempts FROM notifications_notification WHERE {where}", self.db_url
        )

    def python(self, script: str, *args) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, *map(str, args)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        return done.stdout.decode()

    def setup(self) -> dict:
        self.sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{self.db_name}"')
        self.start_redis()
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=self.env,
                       check=True, capture_output=True)  # fmt: skip
        return json.loads(self.python(SETUP).strip().splitlines()[-1])

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.redis_port)

    def stop_redis(self) -> None:
        self.redis.send_signal(signal.SIGKILL)
        self.redis.wait()

    def start_worker(self) -> None:
        log = open(self.var / "worker.log", "ab")  # noqa: SIM115 - closed with the process
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency", "2",
             "--loglevel", "INFO", "--schedule", str(self.var / "beat-schedule")],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip

    def kill_worker(self) -> None:
        """SIGKILL to the worker, its pool and its beat: a crash, no warm shutdown."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def teardown(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.kill_worker()
        if self.redis and self.redis.poll() is None:
            self.stop_redis()
        self.sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def outbox_ids(self, channel: str) -> list[int]:
        """Notification ids of the messages in the file outbox (one file per message)."""
        folder = self.var / "outbox" / channel
        files = folder.glob("*.json" if channel == "sms" else "*.eml")
        return sorted(int(m.group(1)) for f in files if (m := re.search(r"-n(\d+)$", f.stem)))

    def wait_until(self, check, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.5)
        log = (self.var / "worker.log").read_text(errors="replace")[-4000:]
        raise AssertionError(f"timed out waiting for {what}\n{log}")


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    try:
        stack.data = stack.setup()
        yield stack
    finally:
        stack.teardown()


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(stack):
    stack.start_worker()
    stack.python(THOUSAND, stack.data["dispute"], stack.data["claimant"])
    outgoing = "channel <> 'in_app' AND kind = 'sla_reminder'"
    assert len(stack.rows(outgoing)) == 1000
    # Let the worker get going, then kill it mid-stream with most of the 1,000 still pending.
    stack.wait_until(lambda: len(stack.rows(f"{outgoing} AND status = 'sent'")) >= 50, 60, "first deliveries")
    stack.kill_worker()
    pending = len(stack.rows(f"{outgoing} AND status <> 'sent'"))
    assert pending > 0, "the worker finished before it could be killed"
    stack.start_worker()
    stack.wait_until(
        lambda: not stack.rows("channel <> 'in_app' AND status <> 'sent'"), 120, "every row sent"
    )
    rows = stack.rows(outgoing)
    everything = stack.rows("channel <> 'in_app'")  # with the filing's notice to the grid worker
    assert len([r for r in rows if r[1] == "sms"]) == 500 and len([r for r in rows if r[1] == "email"]) == 500
    # Each exactly once: one file per row, and no row without its file.
    assert stack.outbox_ids("sms") == sorted(r[0] for r in everything if r[1] == "sms")
    assert stack.outbox_ids("email") == sorted(r[0] for r in everything if r[1] == "email")
    # A row is claimed again only when the killed worker held it: at most its two processes'
    # batches.
    assert sum(r[3] for r in rows) <= 1000 + 2 * BATCH


def test_a_transition_commits_while_redis_is_down_and_its_notices_follow(stack):
    stack.start_worker()
    time.sleep(3)
    stack.stop_redis()
    seconds = float(
        stack.python(ACCEPT, stack.data["dispute"], stack.data["worker"]).strip().splitlines()[-1]
    )
    assert seconds < 10  # the broker's absence costs the request little
    state = stack.sql(f"SELECT state FROM disputes_dispute WHERE id = {stack.data['dispute']}", stack.db_url)
    assert state == [("awaiting_response",)]  # the transition committed
    outgoing = "channel <> 'in_app' AND kind = 'accept'"
    rows = stack.rows(outgoing)
    assert len(rows) == 4 and {r[2] for r in rows} == {
        "pending"
    }  # respondent SMS + email, claimant SMS + email
    time.sleep(2)
    stack.start_redis()  # an empty Redis: whatever was queued before is gone
    stack.wait_until(
        lambda: not stack.rows("channel <> 'in_app' AND status <> 'sent'"), 90, "notices after the outage"
    )
    everything = stack.rows("channel <> 'in_app'")  # with the filing's notice to the grid worker
    assert stack.outbox_ids("sms") == sorted(r[0] for r in everything if r[1] == "sms")
    assert stack.outbox_ids("email") == sorted(r[0] for r in everything if r[1] == "email")
    accept_sms = {r[0] for r in stack.rows(f"{outgoing} AND channel = 'sms'")}
    folder = stack.var / "outbox" / "sms"
    sent_to = sorted(
        json.loads(f.read_text())["to"]
        for f in folder.glob("*.json")
        if int(f.stem.rsplit("-n", 1)[1]) in accept_sms
    )
    assert sent_to == sorted(["13999990000", stack_claimant_phone(stack)])


def stack_claimant_phone(stack) -> str:
    return stack.sql(f"SELECT phone FROM accounts_user WHERE id = {stack.data['claimant']}", stack.db_url)[0][
        0
    ]
