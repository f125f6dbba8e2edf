"""Redis stopped during 200 transitions and restarted (empty) after 60 s
(TIAOJIE_FAULTS_OUTAGE_SECONDS). Clients fire the transitions over HTTP on both daphne
processes and journal every answer; a 503 is retried after its Retry-After, as the API asks.
After recovery every transition answered 200 is on the timeline once, none twice, every
notice is sent once, and no answer was a 5xx other than 503 (docs/security.md, "Faults and
the ledger")."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from tests.stack_harness import http, needs_redis_server, needs_stack

from .conftest import OUTAGE_SECONDS
from .ledger import Ledger

pytestmark = [pytest.mark.faults, needs_stack, needs_redis_server]
CLIENTS = 4
BEFORE = AFTER = 10  # seconds of transitions before the outage and after it
# Each filed dispute is accepted, then escalated, by its grid worker: two transitions.
STEPS = [("accept", "filed", {}), ("escalate", "awaiting_response", {"reason": "双方分歧较大，升级处理"})]


def test_stop_redis_during_200_transitions_and_restart_it_after_60_s(stack, report):
    ledger = Ledger(f"Redis stopped for {OUTAGE_SECONDS:.0f} s during 200 transitions")
    disputes = stack.data["filed"]
    token = stack.data["worker"]["token"]
    pace = CLIENTS * (BEFORE + OUTAGE_SECONDS + AFTER) / (len(disputes) * len(STEPS))
    outage: list[float] = []  # [down at, up at] (monotonic)
    during = 0
    todo: queue.Queue[int] = queue.Queue()
    for pk in disputes:
        todo.put(pk)
    stack.worker.start()
    stack.worker_exits = 0

    def fire(n: int) -> None:
        nonlocal during
        port = stack.ports[n % 2]
        while True:
            try:
                pk = todo.get_nowait()
            except queue.Empty:
                return
            for name, from_state, body in STEPS:
                while True:
                    started = time.monotonic()
                    status, headers, _ = http(
                        port, "POST", f"/api/v1/disputes/{pk}/transitions/{name}/", token, body
                    )
                    ledger.answer((pk, name, from_state), status)
                    if len(outage) == 1 or (len(outage) == 2 and outage[0] <= started <= outage[1]):
                        during += 1
                    time.sleep(max(0.0, pace - (time.monotonic() - started)))
                    if status < 500:
                        break  # 200, or 409 when an earlier attempt had committed
                    time.sleep(float(headers.get("Retry-After", 1)))

    def inject() -> None:
        time.sleep(BEFORE)
        stack.redis.kill()
        outage.append(time.monotonic())
        ledger.fault("Redis stopped")
        for _ in range(int(OUTAGE_SECONDS)):
            time.sleep(1)
            stack.supervise()
        time.sleep(OUTAGE_SECONDS - int(OUTAGE_SECONDS))
        stack.redis.start()  # empty: the queued tasks, caches and subscriptions are gone
        outage.append(time.monotonic())

    claimant = stack.data["claimant"]["token"]
    probes = [  # other requests a client makes meanwhile: sign-in and filing are rate limited in the cache
        (
            "sign in",
            "POST",
            "/api/v1/auth/token/",
            None,
            {"username": "filer", "password": "tiaojie-test-pw"},
        ),
        ("file", "POST", "/api/v1/disputes/", claimant, None),
        ("list", "GET", "/api/v1/disputes/?page_size=5", claimant, None),
        ("ticket", "POST", "/api/v1/ws-tickets/", claimant, {}),
        ("queue", "GET", "/api/v1/queue/", token, None),
        ("case file", "GET", f"/api/v1/disputes/{stack.data['chat']['dispute']}/dossier/", token, None),
    ]
    grid = stack.data["grid"]

    def probe() -> None:
        n = 0
        while any(thread.is_alive() for thread in threads[:CLIENTS]):
            name, method, path, who, body = probes[n % len(probes)]
            if name == "file":
                body = {"title": f"探测{n}", "description": "停电期间的申请", "category": "neighbourhood",
                        "grid": grid, "respondent": {"name": "赵六", "phone": f"139{n:08d}"}}  # fmt: skip
            status, _headers, _ = http(stack.ports[n % 2], method, path, who, body)
            ledger.probe(name, status)
            n += 1
            time.sleep(1)

    threads = [threading.Thread(target=fire, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=inject))
    threads.append(threading.Thread(target=probe))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BEFORE + OUTAGE_SECONDS + AFTER + 300)
    assert not any(thread.is_alive() for thread in threads)
    stack.wait_all_sent(180)

    final = {op: status for op, status in ledger.answers}  # the last answer of each operation
    assert set(final.values()) <= {200, 409}, sorted(set(final.values()))
    states = dict(stack.db.sql("SELECT id, state FROM disputes_dispute WHERE id = ANY(%s)", [disputes]))
    assert set(states.values()) == {"escalated"}
    events = stack.db.sql(
        "SELECT dispute_id, transition, from_state FROM disputes_disputeevent "
        "WHERE dispute_id = ANY(%s) AND transition IN ('accept', 'escalate')", [disputes],
    )  # fmt: skip
    ledger.check_timeline([tuple(row) for row in events])
    ledger.check_outbox(stack.outgoing(), stack.outbox_files(), stack.journal_keys())
    statuses = sorted({status for _op, status in ledger.answers})
    probed = sorted({f"{name} {status}" for name, status in ledger.probes})
    ledger.notes.append(f"{during} transitions answered while Redis was down; statuses {statuses}")
    ledger.notes.append(f"{len(ledger.probes)} other requests: {', '.join(probed)}")
    ledger.notes.append(f"worker exits on its own, restarted as a supervisor would: {stack.worker_exits}")
    report(ledger)
