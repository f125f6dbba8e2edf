"""Races on PostgreSQL, with real concurrent connections released together.

Two people firing transitions on one dispute at once: exactly one wins, the others get 409
and nothing of theirs is written. A filing submitted twice at once creates one dispute.
"""

import os
import threading
import time

import pytest
from django.db import connection

from accounts.models import User
from disputes import hooks
from disputes.models import Dispute, DisputeEvent
from tests import factories

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    # Committed rows, so each thread's own connection sees them. An earlier transactional
    # test's flush may have removed the migrated categories: put them back first.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]


def race(*calls):
    """Run each call in its own thread and database connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            connection.ensure_connection()  # connected before the start, so nobody gets a head start
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer never finished (deadlock?)"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.fixture
def slow_transitions(monkeypatch):
    """Hold the row lock a little longer inside each transition, so the racers truly overlap."""

    def slow(dispute, event):
        time.sleep(0.3)

    monkeypatch.setattr(hooks, "AFTER_TRANSITION", _with_handler(hooks.AFTER_TRANSITION, slow))


def _with_handler(registry, handler):
    from collections import defaultdict

    copy = defaultdict(list, {name: list(handlers) for name, handlers in registry.items()})
    for name in ("accept", "reject", "withdraw", "escalate", "respondent_accept", "respondent_decline"):
        copy[name].append((0, handler))  # phase "database"
    return copy


def post(client, url, body=None):
    def call():
        r = client.post(url, body or {}, format="json")
        return r.status_code, r.json()

    return call


@pytest.fixture
def second_grid_worker(regions):
    return factories.staff("grid_worker", regions["grid1"], username="second_grid_worker")


def test_two_grid_workers_accepting_and_rejecting_at_once_one_wins(
    dispute, grid_worker, second_grid_worker, api, slow_transitions
):
    url = f"/api/v1/disputes/{dispute.pk}/transitions/"
    results = race(
        post(api(grid_worker), f"{url}accept/"),
        post(api(second_grid_worker), f"{url}reject/", {"reason": "不予受理"}),
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    winner = next(body for status, body in results if status == 200)
    loser = next(body for status, body in results if status == 409)
    assert loser["code"] == "conflict"
    dispute.refresh_from_db()
    assert dispute.state == winner["state"]
    events = list(DisputeEvent.objects.filter(dispute=dispute).values_list("transition", "to_state"))
    assert events[0] == ("file", "filed") and len(events) == 2
    assert events[1][1] == dispute.state
    # Nothing of the loser's: a rejection would have closed it, an acceptance served the respondent.
    if dispute.state == "awaiting_response":
        assert dispute.closed_at is None and dispute.outcome_note == ""
    else:
        assert dispute.served_at is None


def test_the_same_transition_fired_twice_at_once_happens_once(dispute, grid_worker, api, slow_transitions):
    url = f"/api/v1/disputes/{dispute.pk}/transitions/accept/"
    results = race(post(api(grid_worker), url), post(api(grid_worker), url))
    assert sorted(s for s, _ in results) == [200, 409], results
    assert DisputeEvent.objects.filter(dispute=dispute, transition="accept").count() == 1
    dispute.refresh_from_db()
    assert dispute.state == "awaiting_response"


def test_many_racers_for_closing_transitions_one_wins_and_the_rest_change_nothing(
    dispute, claimant, grid_worker, second_grid_worker, api, slow_transitions
):
    url = f"/api/v1/disputes/{dispute.pk}/transitions/"
    results = race(
        post(api(grid_worker), f"{url}reject/", {"reason": "一"}),
        post(api(second_grid_worker), f"{url}reject/", {"reason": "二"}),
        post(api(claimant), f"{url}withdraw/", {"reason": "三"}),
        post(api(claimant), f"{url}withdraw/", {"reason": "四"}),
        post(api(grid_worker), f"{url}escalate/", {"reason": "五"}),
    )
    statuses = [s for s, _ in results]
    assert statuses.count(200) == 1 and statuses.count(409) == 4, results
    dispute.refresh_from_db()
    [event] = DisputeEvent.objects.filter(dispute=dispute).exclude(transition="file")
    assert event.to_state == dispute.state
    winner = next(b for s, b in results if s == 200)
    assert winner["state"] == dispute.state


def test_a_filing_submitted_several_times_at_once_creates_one_dispute(regions, claimant, respondent, api):
    body = {
        "title": "噪音扰民", "description": "楼下商铺深夜施工。", "category": "neighbourhood",
        "grid": regions["grid1"].pk, "respondent": {"name": "李四", "phone": respondent.phone},
    }  # fmt: skip
    results = race(*[post(api(claimant), "/api/v1/disputes/", body) for _ in range(4)])
    statuses = sorted(s for s, _ in results)
    assert statuses == [200, 200, 200, 201], results
    assert len({b["id"] for _, b in results}) == 1
    assert Dispute.objects.count() == 1
    assert DisputeEvent.objects.filter(transition="file").count() == 1
    assert Dispute.objects.get().reference == results[0][1]["reference"]


def test_one_code_used_twice_at_once_verifies_once(api, outbox):
    from accounts.services import register_user

    user = register_user(
        username="wangfang",
        password="Qiantang-river-2026",
        full_name="王芳",
        phone="13912345678",
        language="zh-hans",
    )
    code = outbox.code("13912345678")
    body = {"phone": "13912345678", "code": code}
    results = race(*[post(api(), "/api/v1/auth/verify-phone/", body) for _ in range(3)])
    assert sorted(s for s, _ in results) == [200, 400, 400], results
    assert User.objects.get(pk=user.pk).phone_verified


def test_filings_in_the_same_grid_are_not_blocked_by_a_transition_in_progress(
    dispute, regions, grid_worker, outsider, respondent, api, monkeypatch
):
    """A transition locks its dispute only, not the grid's row that every filing references."""
    started, release = threading.Event(), threading.Event()

    def hold(d, e):
        started.set()
        release.wait(timeout=10)

    monkeypatch.setattr(hooks, "AFTER_TRANSITION", _with_handler(hooks.AFTER_TRANSITION, hold))
    body = {
        "title": "另一件事", "description": "无关的纠纷。", "category": "consumer", "grid": regions["grid1"].pk,
        "respondent": {"name": "李四", "phone": respondent.phone},
    }  # fmt: skip
    outcome = {}

    def transition():
        try:
            outcome["transition"] = (
                api(grid_worker)
                .post(f"/api/v1/disputes/{dispute.pk}/transitions/accept/", {}, format="json")
                .status_code
            )
        finally:
            connection.close()

    holder = threading.Thread(target=transition)
    holder.start()
    try:
        assert started.wait(timeout=10)
        began = time.monotonic()
        filed = api(outsider).post("/api/v1/disputes/", body, format="json")
        waited = time.monotonic() - began
    finally:
        release.set()
        holder.join(timeout=20)
    assert filed.status_code == 201
    assert waited < 5, f"filing waited {waited:.1f}s for another dispute's transition"
    assert outcome["transition"] == 200
