"""A recusal request on the desk: a timeline line, the grid workers told in their language,
the request in their queue (API and page) until decided, and the decision on the timeline
(docs/features/assignment.md)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from disputes import services
from mediation.models import RecusalRequest
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/queue/"


@pytest.fixture
def assigned(awaiting, grid_worker, mediator, make_mediator):
    make_mediator()  # someone to take over after an approved recusal
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    awaiting.refresh_from_db()
    return awaiting


@pytest.fixture
def english_grid_worker(regions):
    """A second grid worker over grid1 (at its community), reading English."""
    return factories.staff("grid_worker", regions["community1"], username="gw_en", language="en")


def ask(api, dispute, user, reason="调解员是被申请人的亲戚"):
    return api(user).post(f"/api/v1/disputes/{dispute.pk}/recusals/", {"reason": reason}, format="json")


def decide(api, dispute, user, recusal_id, **body):
    return api(user).post(
        f"/api/v1/disputes/{dispute.pk}/recusals/{recusal_id}/decision/", body, format="json"
    )


def events(api, dispute, user) -> list[dict]:
    r = api(user).get(f"/api/v1/disputes/{dispute.pk}/events/")
    assert r.status_code == 200
    body = r.json()
    return body["results"] if isinstance(body, dict) else body


def queue_ids(api, user) -> dict[int, list[str]]:
    r = api(user).get(QUEUE)
    assert r.status_code == 200
    return {row["id"]: row["waits_for"] for row in r.json()["results"]}


# --- the request ----------------------------------------------------------------------------------
def test_a_request_is_a_line_on_the_timeline_in_the_events_contract(api, assigned, claimant, mediator):
    made = ask(api, assigned, claimant)
    assert made.status_code == 201
    last = events(api, assigned, claimant)[-1]
    assert set(last) >= {"id", "transition", "from_state", "to_state", "actor", "reason", "payload", "at"}
    assert last["transition"] == "recusal_requested"
    assert last["from_state"] == last["to_state"] == "mediator_assigned"
    assert last["actor"]["id"] == claimant.pk and last["actor"]["role"] == "claimant"
    assert last["reason"] == "调解员是被申请人的亲戚"
    assert last["payload"] == {"recusal": made.json()["id"]}


def test_the_grid_workers_are_told_in_their_own_language_in_the_requests_transaction(
    api, assigned, claimant, grid_worker, english_grid_worker, other_grid_worker, mediator
):
    # No on_commit callbacks run in this test: the rows exist because the request wrote them.
    assert ask(api, assigned, claimant).status_code == 201
    told = Notification.objects.filter(kind="recusal_requested")
    in_app = {n.user: n for n in told.filter(channel="in_app")}
    assert set(in_app) == {grid_worker, english_grid_worker}  # not another grid's, not the mediator
    zh, en = in_app[grid_worker], in_app[english_grid_worker]
    assert (
        zh.title.endswith("回避申请待决定")
        and "调解员是被申请人的亲戚" in zh.body
        and "请审查决定" in zh.body
    )
    assert en.title.endswith("recusal requested") and "asks that the mediator step aside" in en.body
    assert "调解员是被申请人的亲戚" in en.body
    assert told.filter(channel="sms", user=grid_worker).exists()
    assert not Notification.objects.filter(kind="recusal_requested", user__in=[claimant, mediator]).exists()


def test_a_refused_request_writes_no_line_and_tells_nobody(api, assigned, claimant, mediator, outsider):
    assert ask(api, assigned, claimant).status_code == 201
    assert ask(api, assigned, claimant).status_code == 409  # already pending
    assert ask(api, assigned, mediator).status_code == 403  # not a party
    assert assigned.events.filter(transition="recusal_requested").count() == 1
    assert Notification.objects.filter(kind="recusal_requested", channel="in_app").count() == 1
    assert RecusalRequest.objects.count() == 1


# --- the queue --------------------------------------------------------------------------------
def test_the_request_waits_in_the_grid_workers_queue_until_decided(
    api, assigned, claimant, grid_worker, english_grid_worker, other_grid_worker
):
    assert assigned.pk not in queue_ids(api, grid_worker)  # mediator_assigned waits for the mediator only
    made = ask(api, assigned, claimant).json()
    assert queue_ids(api, grid_worker)[assigned.pk] == ["recusal"]
    assert queue_ids(api, english_grid_worker)[assigned.pk] == ["recusal"]
    assert assigned.pk not in queue_ids(api, other_grid_worker)
    assert assigned.pk not in queue_ids(api, claimant)

    assert decide(api, assigned, grid_worker, made["id"], approve=False, note="理由不足").status_code == 200
    assert assigned.pk not in queue_ids(api, grid_worker)


def test_the_mediators_queue_row_does_not_say_a_recusal_is_asked(api, assigned, claimant, mediator):
    ask(api, assigned, claimant)
    assert queue_ids(api, mediator)[assigned.pk] == []


def test_the_staff_queue_page_shows_the_request(api, assigned, claimant, grid_worker):
    ask(api, assigned, claimant)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(grid_worker)
    browser.cookies["django_language"] = "en"
    page = browser.get("/disputes/queue/").content.decode()
    waiting = page.split('id="area"')[0]
    assert assigned.reference in waiting and "Recusal to decide" in waiting
    chinese = Client()
    chinese.force_login(grid_worker)
    assert "回避申请待决定" in chinese.get("/disputes/queue/").content.decode().split('id="area"')[0]


def test_the_queue_costs_the_same_queries_for_one_or_many_requests(
    api, regions, claimant, respondent, grid_worker, mediator, advance, django_assert_max_num_queries
):
    filed = iter(range(100))

    def one():
        title = f"楼上漏水 {next(filed)}"  # a distinct filing each (the same twice is one dispute)
        d = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=title)
        ask(api, advance(d, "mediator_assigned"), claimant)

    one()
    client = api(grid_worker)
    client.get(QUEUE)  # warm the token and role caches alike for both counts
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(QUEUE).json()["results"]) == 1
    one_row = len(few)
    assert one_row <= 12
    for _ in range(4):
        one()
    with django_assert_max_num_queries(one_row):
        assert len(client.get(QUEUE).json()["results"]) == 5


# --- the decision -------------------------------------------------------------------------------
def test_an_approval_is_on_the_timeline_before_the_replacement_and_the_party_is_told(
    api, django_capture_on_commit_callbacks, assigned, claimant, grid_worker, mediator
):
    claimant.language = "en"
    claimant.save()
    made = ask(api, assigned, claimant).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            decide(api, assigned, grid_worker, made["id"], approve=True, note="同意回避").status_code == 200
        )
    lines = [
        (e["transition"], e["actor"]["id"] if e["actor"] else None) for e in events(api, assigned, claimant)
    ]
    approved = lines.index(("recusal_approved", grid_worker.pk))
    assert lines[approved + 1] == ("replace_mediator", grid_worker.pk)
    line = events(api, assigned, claimant)[approved]
    assert line["reason"] == "同意回避" and line["payload"] == {"recusal": made["id"]}
    notice = Notification.objects.get(kind="recusal_approved", channel="in_app")
    assert notice.user == claimant and notice.title.endswith("recusal approved")
    assert "another mediator will be assigned" in notice.body


def test_a_refusal_is_on_the_timeline_and_the_party_is_told_in_chinese(
    api, assigned, respondent, grid_worker, mediator
):
    made = ask(api, assigned, respondent, reason="不信任").json()
    assert decide(api, assigned, grid_worker, made["id"], approve=False, note="理由不足").status_code == 200
    line = events(api, assigned, respondent)[-1]
    assert (line["transition"], line["reason"], line["actor"]["id"]) == (
        "recusal_refused",
        "理由不足",
        grid_worker.pk,
    )
    notice = Notification.objects.get(kind="recusal_refused", channel="in_app")
    assert notice.user == respondent and "未获批准" in notice.body
    assert not Notification.objects.filter(kind="recusal_refused", user=mediator).exists()


def test_a_decision_by_someone_else_writes_nothing(api, assigned, claimant, other_grid_worker, mediator):
    made = ask(api, assigned, claimant).json()
    for user in (claimant, mediator):
        assert decide(api, assigned, user, made["id"], approve=True).status_code == 403
    assert decide(api, assigned, other_grid_worker, made["id"], approve=True).status_code == 404
    assert not assigned.events.filter(transition__in=["recusal_approved", "recusal_refused"]).exists()
    assert RecusalRequest.objects.get().status == "pending"


def test_the_timeline_on_the_page_names_the_lines(api, assigned, claimant, grid_worker):
    made = ask(api, assigned, claimant).json()
    decide(api, assigned, grid_worker, made["id"], approve=False, note="理由不足")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(claimant)
    browser.cookies["django_language"] = "en"
    page = browser.get(assigned.get_absolute_url()).content.decode()
    assert "Asked for the mediator&#x27;s recusal" in page and "Refused the recusal request" in page
