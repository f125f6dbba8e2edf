"""GET /api/v1/queue/: what waits for the caller's action, soonest deadline first."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/queue/"


def queue(api, user, query: str = "") -> list[int]:
    r = api(user).get(QUEUE + query)
    assert r.status_code == 200, r.json()
    assert set(r.json()) == {"results", "next", "previous"}
    return [d["id"] for d in r.json()["results"]]


def due_in(dispute: Dispute, hours: float | None) -> Dispute:
    """Move a deadline (the SLA engine's column, not the state) to make the order visible."""
    due = None if hours is None else timezone.now() + timedelta(hours=hours)
    Dispute.objects.filter(pk=dispute.pk).update(due_at=due)
    return dispute


@pytest.fixture
def board(regions, claimant, respondent, advance):
    """One dispute in each reachable state in grid1, plus a filed one in grid3."""
    made = {}
    for n, state in enumerate(
        ["filed", "awaiting_response", "awaiting_mediator", "mediator_assigned", "in_mediation", "escalated",
         "case_handling", "closed", "rejected", "withdrawn"]
    ):  # fmt: skip
        d = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"{state} {n}")
        made[state] = advance(d, state)
    made["elsewhere"] = factories.file_dispute(claimant, regions["grid3"], respondent.phone, title="别处")
    return made


def names(board, ids_: list[int]) -> set[str]:
    by_pk = {d.pk: name for name, d in board.items()}
    return {by_pk[i] for i in ids_}


@pytest.mark.parametrize(
    ("who", "waiting"),
    [
        ("grid_worker", {"filed", "awaiting_mediator"}),
        ("other_grid_worker", {"elsewhere"}),
        ("mediator", {"mediator_assigned", "in_mediation"}),
        ("other_mediator", set()),
        ("street_handler", {"escalated", "case_handling"}),
        ("district_handler", {"escalated"}),
        ("respondent", {"awaiting_response"}),
        ("claimant", set()),
        ("outsider", set()),
    ],
)
def test_each_role_sees_what_waits_for_them(who, waiting, board, api, cast):
    assert names(board, queue(api, cast(who))) == waiting


def test_a_grid_workers_queue_comes_soonest_deadline_first(regions, claimant, respondent, grid_worker, api):
    late = due_in(factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="晚"), 30)
    soon = due_in(factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="早"), 1)
    overdue = due_in(factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="超期"), -5)
    undated = due_in(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="无期限"), None
    )
    middle = due_in(factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="中"), 10)
    expected = [overdue.pk, soon.pk, middle.pk, late.pk, undated.pk]
    assert queue(api, grid_worker) == expected


def test_the_queue_pages_by_deadline_without_losing_or_repeating_anything(
    regions, claimant, respondent, grid_worker, api
):
    disputes = [
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"{i}") for i in range(7)
    ]
    for hours, d in zip([5, -2, 9, 1, 1, None, 3], disputes, strict=True):
        due_in(d, hours)
    client = api(grid_worker)
    seen, url = [], f"{QUEUE}?page_size=2"
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.json()
        seen += [d["id"] for d in r.json()["results"]]
        url = r.json()["next"]
    assert sorted(seen) == sorted(d.pk for d in disputes)
    assert len(seen) == len(set(seen))
    dues = [Dispute.objects.get(pk=pk).due_at for pk in seen]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated) and dues[-1] is None


def test_a_case_handler_sees_a_dispute_taken_by_a_colleague_no_more(
    board, district_handler, street_handler, api
):
    assert board["case_handling"].pk in queue(api, street_handler)
    assert board["case_handling"].pk not in queue(api, district_handler)


def test_the_queue_follows_the_dispute_through_its_transitions(
    dispute, grid_worker, respondent, mediator, api
):
    assert queue(api, grid_worker) == [dispute.pk]
    assert queue(api, respondent) == []
    services.fire(dispute.pk, "accept", by=grid_worker)
    assert queue(api, grid_worker) == []
    assert queue(api, respondent) == [dispute.pk]
    services.fire(dispute.pk, "respondent_accept", by=respondent)
    assert queue(api, grid_worker) == [dispute.pk]
    services.fire(dispute.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    assert (queue(api, grid_worker), queue(api, mediator)) == ([], [dispute.pk])


def test_the_queue_makes_the_same_number_of_queries_whatever_the_page_size(
    regions, claimant, respondent, grid_worker, api
):
    for i in range(55):
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"排队 {i}")
    client = api(grid_worker)
    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert len(queue(api, grid_worker, f"?page_size={size}")) == size
        counts[size] = len(queries)
    assert counts[5] == counts[50], counts
    assert client.get(QUEUE).status_code == 200


def test_the_queue_needs_credentials(api):
    r = api().get(QUEUE)
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"
