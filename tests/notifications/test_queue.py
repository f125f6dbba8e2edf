"""The embedded default's queue with a real worker: the folder broker and SQLite, no servers.

One worker (`celery -A config worker --concurrency 2`, as scripts/serve starts it) runs on a
temporary TIAOJIE_VAR_DIR with its own SQLite file; scripts in separate processes cause the
notices, as the web process does (docs/security.md, "The embedded default's queue").
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stack_harness import free_port

ROOT = Path(__file__).resolve().parents[2]

# The embedded default's broker and database; the stack run (DATABASE_URL set) uses Redis.
pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="embedded default only")

SETUP = """
import django
django.setup()
from tests import factories
regions = factories.region_tree()
factories.UserFactory(username="resident", full_name="王五", email="wang@example.cn")
factories.UserFactory(username="late", full_name="赵六", email="zhao@example.cn")
claimant = factories.UserFactory(username="claimant", full_name="张三")
factories.file_dispute(claimant, regions["grid1"], "13999990000")
"""

# sys.argv[1] reminders to `resident` in one commit (an SMS and an email each), then one to
# `late` in its own commit: prints the id of late's SMS and the time of its commit.
NOTICES = """
import django, sys, time
django.setup()
from django.db import transaction
from accounts.models import User
from disputes import services
from disputes.models import Dispute
from notifications.models import Notification
dispute = Dispute.objects.get()
with transaction.atomic():
    for _ in range(int(sys.argv[1])):
        services.record_event(dispute, "sla_reminder", None, notify=[User.objects.get(username="resident")])
late = User.objects.get(username="late")
with transaction.atomic():
    services.record_event(dispute, "sla_reminder", None, notify=[late])
committed = time.time()
row = Notification.objects.filter(user=late, channel="sms").latest("id")
print(row.pk, committed)
"""


class Embedded:
    def __init__(self, tmp: Path):
        self.var = tmp / "var"
        self.env = {
            k: v
            for k, v in os.environ.items()
            # Its own var/, so its own signing token too: not the suite's SOFTHSM2_CONF.
            if not k.startswith(
                ("TIAOJIE_", "DJANGO_", "CELERY", "DATABASE_URL", "REDIS_URL", "SOFTHSM2_CONF")
            )
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_SECRET_KEY="queue-test-secret-key-" + "x" * 40,
            TIAOJIE_VAR_DIR=str(self.var),
            TIAOJIE_AUTO_ASSIGN="0",
            # `make run` seeds with its trust process up (scripts/with-trust): here on a free port.
            TIAOJIE_TRUST_PORT=str(free_port()),
            BIN=str(Path(sys.executable).parent),
        )
        self.worker: subprocess.Popen | None = None

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

    def rows(self, where: str) -> list[tuple]:
        with sqlite3.connect(self.var / "db.sqlite3", timeout=20) as conn:
            return conn.execute(
                f"SELECT id, status, sent_at FROM notifications_notification WHERE channel <> 'in_app' AND {where}"
            ).fetchall()

    def start_worker(self, **env) -> None:
        log = open(self.var / "worker.log", "ab")  # noqa: SIM115 - closed with the process
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "--loglevel", "INFO"],
            cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip

    def stop_worker(self) -> None:
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def restart_worker(self, **env) -> None:
        """A new worker with `env` added, once it says it is ready."""
        self.stop_worker()
        log = self.var / "worker.log"
        ready = log.read_text(errors="replace").count(" ready.")
        self.start_worker(**env)
        self.wait_until(
            lambda: log.read_text(errors="replace").count(" ready.") > ready, 60, "the new worker"
        )

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.worker.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def wait_until(self, check, timeout: float, what: str) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if check():
                return time.monotonic() - started
            time.sleep(0.2)
        log = (self.var / "worker.log").read_text(errors="replace")[-4000:]
        raise AssertionError(f"timed out waiting for {what}\n{log}")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    stack = Embedded(tmp_path_factory.mktemp("queue"))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=stack.env,
                   check=True, capture_output=True)  # fmt: skip
    stack.python(SETUP)
    stack.start_worker()
    # The worker is up once the filing's notices to the grid staff are out (or none were due).
    stack.wait_until(lambda: not stack.rows("status <> 'sent'"), 60, "the worker to start")
    try:
        yield stack
    finally:
        stack.stop_worker()


def test_a_notice_queued_behind_300_others_is_delivered_within_10_s(embedded):
    row_id, committed = embedded.python(NOTICES, 150).split()  # 300 SMS and email rows, then it
    embedded.wait_until(lambda: embedded.rows(f"id = {row_id} AND status = 'sent'"), 10, "the late SMS")
    took = time.time() - float(committed)
    print(f"the notice behind 300 others: sent {took:.2f} s after its commit")
    assert took < 10
    assert list((embedded.var / "outbox" / "sms").glob(f"*-n{row_id}.json")), "no SMS file for the notice"


def test_the_worker_delivers_everything_after_its_pool_children_are_killed_three_times(embedded):
    embedded.restart_worker(TIAOJIE_SMS_BACKEND="tests.notifications.gateways.SlowSms")
    embedded.python(NOTICES, 200)  # 400 SMS and email rows, and one more pair
    assert embedded.rows("status <> 'sent'"), "everything was sent before the children could be killed"
    for _ in range(3):
        time.sleep(0.5)
        for pid in embedded.children():
            os.kill(pid, signal.SIGKILL)
    # Before the folder transport ran in the event loop, the worker received nothing again;
    # before a redelivered task took back its rows, they waited for the lease (5 minutes).
    embedded.wait_until(lambda: not embedded.rows("status <> 'sent'"), 60, "every row sent")
    assert embedded.worker.poll() is None
    assert embedded.rows("attempts > 1"), "no batch was in hand when the children were killed"
    # Rows sent again after a kill keep their idempotency key: one file per SMS row.
    files = list((embedded.var / "outbox" / "sms").glob("*.json"))
    assert len(files) == len(embedded.rows("channel = 'sms'"))


def test_the_demo_seed_sends_its_notices_itself_and_leaves_the_queue_empty(tmp_path):
    """`make run`: the seed's hundreds of notices do not wait in the worker's queue."""
    stack = Embedded(tmp_path)
    for command in (["migrate", "--noinput"], ["init_pki"], ["seed_demo"]):
        wrapper = ["scripts/with-trust"] if command == ["seed_demo"] else []
        done = subprocess.run([*wrapper, sys.executable, "manage.py", *command], cwd=ROOT, env=stack.env,
                              capture_output=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()[-3000:]
    assert not list((stack.var / "celery" / "queue").iterdir())
    rows = stack.rows("1 = 1")
    assert len(rows) > 300 and {status for _, status, _ in rows} == {"sent"}
    assert len(list((stack.var / "outbox" / "sms").glob("*.json"))) == len(stack.rows("channel = 'sms'"))
    assert len(list((stack.var / "outbox" / "email").glob("*.eml"))) == len(stack.rows("channel = 'email'"))
