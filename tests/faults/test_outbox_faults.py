"""The outbox and the render jobs under a killed Celery worker: killed 10 times during 1,000
SMS, email and PDF tasks, and killed between sending a message and recording it. The ledger
holds every outbox row and render job; after recovery each row is sent once (one message per
row at the provider, under the row's idempotency key) and each PDF arrives once
(docs/security.md, "Faults and the ledger")."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.stack_harness import http, needs_redis_server, needs_stack, python, wait_until

from .ledger import Ledger

pytestmark = [pytest.mark.faults, needs_stack, needs_redis_server]
KILLS = 10
DOCUMENTS = 20  # PDF render jobs among the 1,000 tasks
REMINDERS = 490  # each an SMS and an email: 980 outbox rows
PROGRESS = 30  # messages sent after a restart before the next kill

# 10 batches, each 49 reminders (98 outbox rows, one commit) then 2 case files asked for:
# the 1,000 tasks reach the queue interleaved.
ENQUEUE = """
import django, sys
django.setup()
from django.db import transaction
from accounts.models import User
from disputes import services
from disputes.models import Dispute
from mediation.casefile import rendering, tasks
dispute = Dispute.objects.get(pk=int(sys.argv[1]))
resident = User.objects.get(pk=int(sys.argv[2]))
reader = int(sys.argv[3])
documents = [int(pk) for pk in sys.argv[4].split(",")]
batches = 10
for batch in range(batches):
    with transaction.atomic():
        for _ in range(int(sys.argv[5]) // batches):
            services.record_event(dispute, "sla_reminder", None, notify=[resident])
    for pk in documents[batch * 2 : batch * 2 + 2]:
        rendering.collect("dossier", pk, reader,
                          lambda at, pk=pk: tasks.render_case_document.delay("dossier", pk, reader))
"""

REMIND = """
import django, sys
django.setup()
from accounts.models import User
from disputes import services
from disputes.models import Dispute
from django.db import transaction
from notifications.models import Notification
dispute = Dispute.objects.get(pk=int(sys.argv[1]))
resident = User.objects.get(pk=int(sys.argv[2]))
with transaction.atomic():
    events = [services.record_event(dispute, "sla_reminder", None, notify=[resident]) for _ in range(int(sys.argv[3]))]
rows = Notification.objects.filter(event__in=events).exclude(channel="in_app").order_by("pk")
print(" ".join(str(pk) for pk in rows.values_list("pk", flat=True)))
"""


def sent(stack) -> int:
    return stack.db.sql(
        "SELECT count(*) FROM notifications_notification WHERE channel <> 'in_app' AND status = 'sent'"
    )[0][0]


def check_outbox(stack, ledger: Ledger) -> None:
    ledger.check_outbox(stack.outgoing(), stack.outbox_files(), stack.journal_keys())


def test_kill_9_the_celery_worker_10_times_during_1000_sms_and_pdf_tasks(stack, report):
    ledger = Ledger("Celery worker killed 10 times during 1,000 SMS/email/PDF tasks")
    data = stack.data
    reader = data["worker"]
    documents = data["dossiers"][:DOCUMENTS]
    before = len(stack.outgoing())
    python(ENQUEUE, stack.env, data["chat"]["dispute"], data["claimant"]["id"], reader["id"],
           ",".join(map(str, documents)), REMINDERS)  # fmt: skip
    assert len(stack.outgoing()) - before == 2 * REMINDERS
    stack.slow.touch()  # a provider's pace: batched sends would otherwise outrun the 10 kills
    stack.worker.start()  # the 1,000 tasks wait in Redis: the kills fall among them
    for kill in range(KILLS):
        start = sent(stack)
        wait_until(lambda s=start: sent(stack) - s >= PROGRESS, 90, f"progress before kill {kill + 1}",
                   interval=0.1, log=stack.worker.log)  # fmt: skip
        stack.worker.kill()
        ledger.fault(f"worker killed at {sent(stack)} sent")
        stack.worker.start()
    assert stack.unsent() > 0, "the tasks were done before the last kill"
    stack.slow.unlink()
    stack.wait_all_sent(180)

    # The reader asks for each case file until it has it, as the API says (202, Retry-After).
    received = dict.fromkeys(documents, 0)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not all(received.values()):
        for pk in [pk for pk, n in received.items() if n == 0]:
            status, _headers, body = http(
                stack.ports[0], "GET", f"/api/v1/disputes/{pk}/dossier/", reader["token"]
            )
            ledger.answer(("dossier", pk), status)
            if status == 200 and body.startswith(b"%PDF"):
                received[pk] += 1
        time.sleep(3)
    downloads = Counter(
        pk for (pk,) in stack.db.sql(
            "SELECT dispute_id FROM disputes_disputeevent WHERE transition = 'dossier_downloaded' "
            "AND dispute_id = ANY(%s)", [documents])
    )  # fmt: skip
    ledger.check_documents(received, downloads)
    check_outbox(stack, ledger)
    report(ledger)


def test_a_worker_killed_between_sending_and_recording(stack, report):
    ledger = Ledger("worker killed between sending and recording")
    data = stack.data
    stack.wait_all_sent(60)  # earlier tests' rows out of the way
    rows = python(REMIND, stack.env, data["chat"]["dispute"], data["claimant"]["id"], 3).split()
    doomed = rows[:3]  # SMS, email, SMS of 6 rows: each kills its worker once
    stack.doomed.write_text("\n".join(doomed) + "\n")
    stack.worker.start()
    deaths = 0
    deadline = time.monotonic() + 180
    while stack.unsent() and time.monotonic() < deadline:
        if stack.worker.reap():  # it killed itself after the provider accepted a doomed row
            deaths += 1
            stack.worker.start()
        time.sleep(0.2)
    stack.wait_all_sent(5)
    killed = sorted(p.name.split(".")[-2] for p in stack.doomed.parent.glob(f"{stack.doomed.name}.*.killed"))
    assert killed == sorted(doomed)  # every doomed row was sent and its worker died before recording
    for row in killed:  # two pool processes may die in one kill: one fault per row, not per death
        ledger.fault(f"worker killed after sending row {row}, before recording it")
    assert 1 <= deaths <= len(doomed)
    ledger.notes.append(f"worker deaths {deaths}")
    journal = Counter(stack.journal_keys())
    resent = {k for k, n in journal.items() if n > 1}
    assert {k.rsplit("-n", 1)[1] for k in resent} >= set(doomed)  # sent again after the lease expired...
    stack.doomed.unlink()
    check_outbox(stack, ledger)  # ...under the same key: one message per row at the provider
    report(ledger)
