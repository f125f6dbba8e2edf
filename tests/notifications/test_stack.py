"""The outbox on the production stack: a real Celery worker (with beat) on Redis and PostgreSQL.

Runs only when DATABASE_URL is PostgreSQL and REDIS_URL is set (make test-stack), and needs
`redis-server`: each test starts its own Redis on a free port as the broker, so it can stop
it without touching the shared one. The worker and the scripts that cause notices share a
database created (and dropped) here, and write the file backends' outbox under a temporary
folder, where messages are counted by notification id.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.stack_harness import (
    Database,
    RedisServer,
    Worker,
    migrate,
    needs_redis_server,
    needs_stack,
    production_env,
    python,
    python_json,
    wait_until,
)

pytestmark = [pytest.mark.stack, needs_stack, needs_redis_server]
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


class Stack:
    def __init__(self, tmp: Path):
        self.db = Database("notify_stack")
        self.var = tmp / "var"
        self.var.mkdir()
        self.redis = RedisServer(tmp / "redis.log")
        self.env = production_env(
            self.db.url, self.redis.url(), self.var,
            TIAOJIE_NOTIFY_SWEEP_SECONDS="2",  # sweep every 2 s
            TIAOJIE_NOTIFY_SWEEP_GRACE="3",  # re-queue rows queued 3 s ago and still pending
            TIAOJIE_NOTIFY_LEASE="5",  # a dead worker's claim expires after 5 s
            TIAOJIE_NOTIFY_BATCH=str(BATCH),  # rows a task claims and sends together
            # 50 ms a message, as a provider takes: the worker is killed mid-burst.
            TIAOJIE_SMS_BACKEND="tests.notifications.gateways.SlowSms",
            TIAOJIE_AUTO_ASSIGN="0",
        )  # fmt: skip
        self.worker = Worker(self.env, self.var / "worker.log", self.var / "beat-schedule")

    def rows(self, where: str = "TRUE") -> list[tuple]:
        return self.db.sql(
            f"SELECT id, channel, status, attempts FROM notifications_notification WHERE {where}"
        )

    def python(self, script: str, *args) -> str:
        return python(script, self.env, *args, timeout=120)

    def setup(self) -> dict:
        self.db.create()
        self.redis.start()
        migrate(self.env)
        return python_json(SETUP, self.env)

    def start_redis(self) -> None:
        self.redis.start()

    def stop_redis(self) -> None:
        self.redis.kill()

    def start_worker(self) -> None:
        self.worker.start()

    def kill_worker(self) -> None:
        """SIGKILL to the worker, its pool and its beat: a crash, no warm shutdown."""
        self.worker.kill()

    def teardown(self) -> None:
        self.worker.kill()
        self.redis.kill()
        self.db.drop()

    def outbox_ids(self, channel: str) -> list[int]:
        """Notification ids of the messages in the file outbox (one file per message)."""
        folder = self.var / "outbox" / channel
        files = folder.glob("*.json" if channel == "sms" else "*.eml")
        return sorted(int(m.group(1)) for f in files if (m := re.search(r"-n(\d+)$", f.stem)))

    def wait_until(self, check, timeout: float, what: str) -> None:
        wait_until(check, timeout, what, log=self.worker.log)


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
    state = stack.db.sql(f"SELECT state FROM disputes_dispute WHERE id = {stack.data['dispute']}")
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
    """The claimant's phone, opened from its sealed column (the stack shares the test keys)."""
    from accounts.models import User

    sealed = stack.db.sql(f"SELECT phone FROM accounts_user WHERE id = {stack.data['claimant']}")[0][0]
    return User._meta.get_field("phone").from_db_value(sealed, None, None)
