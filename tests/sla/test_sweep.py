"""The SLA sweeper with a controllable clock: reminders, breaches, the respondent ladder."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from disputes import hooks, services
from disputes.models import Dispute, DisputeEvent, SlaNotice
from disputes.sla import deadlines, engine
from disputes.tasks import sweep_deadlines

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


@pytest.fixture
def notified():
    """(event name, [usernames told]) for every timeline event, as the notifications app sees them."""
    seen: list[tuple[str, list[str]]] = []

    def handler(event, notify):
        seen.append((event.transition, sorted(u.username for u in notify)))

    hooks.ON_EVENT.append(handler)
    yield seen
    hooks.ON_EVENT.remove(handler)


def events(dispute, *names):
    qs = DisputeEvent.objects.filter(dispute=dispute).order_by("at", "id")
    if names:
        qs = qs.filter(transition__in=names)
    return list(qs)


def test_filing_schedules_the_first_look_at_the_first_reminder(dispute):
    assert dispute.sla_next_at == dispute.due_at - timedelta(hours=4)


def test_a_reminder_goes_to_the_grid_worker_once_before_the_deadline(dispute, grid_worker, notified):
    due = dispute.due_at
    assert engine.sweep(now=due - timedelta(hours=5)) == 0
    assert engine.sweep(now=due - timedelta(hours=3)) == 1
    assert engine.sweep(now=due - timedelta(hours=2)) == 0
    (reminder,) = events(dispute, "sla_reminder")
    assert reminder.actor is None and reminder.actor_role == "system"
    assert reminder.payload == {"rule": "sla.filed", "due_at": engine.iso(due), "before": "4 h"}
    assert ("sla_reminder", ["grid_worker"]) in notified
    dispute.refresh_from_db()
    assert dispute.state == "filed" and dispute.sla_next_at == due


def test_a_breach_in_intake_escalates_as_the_system_with_the_rule_named(dispute, grid_worker):
    due = dispute.due_at
    engine.sweep(now=due + MINUTE)
    dispute.refresh_from_db()
    assert dispute.state == "escalated" and dispute.level == 1
    (escalation,) = events(dispute, "escalate")
    assert escalation.actor is None and escalation.actor_role == "system"
    assert (escalation.from_state, escalation.to_state) == ("filed", "escalated")
    assert escalation.payload == {"rule": "sla.filed", "due_at": engine.iso(due)}
    assert "sla.filed" in escalation.reason
    # The late reminder is not sent once the deadline itself has passed.
    assert not events(dispute, "sla_reminder")
    # The new state has its own deadline (3 working days) and the sweeper will look at it.
    assert dispute.due_at > due and dispute.sla_next_at == dispute.due_at - timedelta(days=1)
    engine.sweep(now=due + 2 * MINUTE)
    assert len(events(dispute, "escalate")) == 1


def test_an_unanswered_mediator_assignment_times_out_as_a_system_decline(
    dispute, advance, mediator, settings
):
    settings.TIAOJIE_AUTO_ASSIGN = False
    dispute = advance(dispute, "mediator_assigned")
    due = dispute.due_at
    engine.sweep(now=due + MINUTE)
    dispute.refresh_from_db()
    assert dispute.state == "awaiting_mediator" and dispute.mediator is None
    (decline,) = events(dispute, "mediator_decline")
    assert decline.actor is None and decline.payload["rule"] == "sla.mediator_assigned"
    assert decline.reason


def test_a_state_without_a_timeout_transition_records_one_breach_for_the_mediator(
    dispute, advance, mediator, notified
):
    dispute = advance(dispute, "awaiting_signatures")
    due = dispute.due_at
    engine.sweep(now=due - timedelta(days=2) + MINUTE)
    engine.sweep(now=due + MINUTE)
    engine.sweep(now=due + timedelta(hours=1))
    dispute.refresh_from_db()
    assert dispute.state == "awaiting_signatures"
    assert [e.transition for e in events(dispute, "sla_reminder", "sla_breach")] == [
        "sla_reminder",
        "sla_breach",
    ]
    breach = events(dispute, "sla_breach")[0]
    assert breach.actor is None and breach.payload == {
        "rule": "sla.awaiting_signatures",
        "due_at": engine.iso(due),
    }
    assert ("sla_breach", ["mediator"]) in notified
    assert dispute.sla_next_at is None  # nothing more to do for this deadline


def test_an_escalated_breach_tells_the_case_handlers_at_the_disputes_level(
    dispute, advance, street_handler, district_handler, notified
):
    dispute = advance(dispute, "escalated")  # level street: street and district handlers may take it
    engine.sweep(now=dispute.due_at + MINUTE)
    assert ("sla_breach", ["district_handler", "street_handler"]) in notified


def test_a_dispute_that_moved_on_before_the_sweep_is_not_acted_on(dispute, advance, respondent):
    from django.utils import timezone

    dispute = advance(dispute, "awaiting_response")
    # Its answer deadline passed an hour ago, but the respondent answers before the sweep runs.
    passed = timezone.now() - timedelta(hours=1)
    Dispute.objects.filter(pk=dispute.pk).update(due_at=passed, sla_next_at=passed)
    services.fire(dispute.pk, "respondent_accept", by=respondent)
    engine.sweep(now=timezone.now())
    dispute.refresh_from_db()
    assert not events(dispute, "respondent_decline", "respondent_reminder", "home_visit_task")
    # Its new deadline (awaiting a mediator) is acted on in its own time.
    assert dispute.state in ("awaiting_mediator", "mediator_assigned")


def test_a_deadline_moved_later_is_not_breached_at_the_old_time(dispute):
    old_due = dispute.due_at
    Dispute.objects.filter(pk=dispute.pk).update(due_at=old_due + timedelta(days=3))
    engine.sweep(now=old_due + MINUTE)
    dispute.refresh_from_db()
    assert dispute.state == "filed"
    assert not events(dispute, "escalate")


def test_the_respondent_ladder_runs_in_order_each_step_once(dispute, advance, grid_worker, notified, api):
    dispute = advance(dispute, "awaiting_response")
    due = dispute.due_at
    start = due - timedelta(days=7)
    ladder = ("respondent_reminder", "home_visit_task", "respondent_decline")
    for day in (1, 2, 2, 3, 5, 5, 6, 6):
        engine.sweep(now=start + timedelta(days=day) + MINUTE)
        if day == 6:
            queue = api(grid_worker).get("/api/v1/queue/").json()["results"]
            (line,) = [q for q in queue if q["id"] == dispute.pk]
            assert line["home_visit_due"] is True and line["due_at"] and line["overdue"] is False
    engine.sweep(now=due + MINUTE)
    engine.sweep(now=due + 2 * MINUTE)
    steps = events(dispute, *ladder)
    assert [(e.transition, e.payload.get("step")) for e in steps] == [
        ("respondent_reminder", 2),
        ("respondent_reminder", 5),
        ("home_visit_task", None),
        ("respondent_decline", None),
    ]
    assert all(e.actor is None for e in steps)
    assert steps[0].payload["due_at"] == engine.iso(due)
    assert steps[-1].payload == {"rule": "sla.awaiting_response", "due_at": engine.iso(due)}
    assert ("home_visit_task", ["grid_worker"]) in notified
    dispute.refresh_from_db()
    assert dispute.state == "escalated"
    # The home visit marker goes once the state has changed.
    queue = api(grid_worker).get("/api/v1/queue/").json()["results"]
    assert not any(q["home_visit_due"] for q in queue if q["id"] == dispute.pk)


def test_a_home_visit_recorded_clears_the_marker_and_stands_for_the_ladder_step(
    dispute, advance, grid_worker, api
):
    dispute = advance(dispute, "awaiting_response")
    engine.sweep(now=dispute.due_at - timedelta(hours=23))
    dispute.refresh_from_db()
    assert dispute.home_visit_due_at is not None
    page = api(grid_worker).get("/api/v1/queue/").json()["results"]
    assert [q["home_visit_due"] for q in page if q["id"] == dispute.pk] == [True]
    response = api(grid_worker).post(
        f"/api/v1/disputes/{dispute.pk}/home-visit/", {"note": "已上门，被申请人考虑中"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["transition"] == "home_visit" and response.json()["actor"]["id"] == grid_worker.pk
    dispute.refresh_from_db()
    assert dispute.home_visit_due_at is None
    assert not any(q["id"] == dispute.pk for q in api(grid_worker).get("/api/v1/queue/").json()["results"])


def test_a_visit_before_the_ladder_asks_means_no_home_visit_task(dispute, advance, grid_worker, api):
    dispute = advance(dispute, "awaiting_response")
    api(grid_worker).post(f"/api/v1/disputes/{dispute.pk}/home-visit/", {"note": "提前走访"}, format="json")
    engine.sweep(now=dispute.due_at - timedelta(hours=23))
    assert not events(dispute, "home_visit_task")
    dispute.refresh_from_db()
    assert dispute.home_visit_due_at is None


def test_home_visit_refusals(dispute, advance, grid_worker, other_grid_worker, respondent, outsider, api):
    url = f"/api/v1/disputes/{dispute.pk}/home-visit/"
    assert api(grid_worker).post(url, {"note": "走访"}, format="json").status_code == 409  # still filed
    dispute = advance(dispute, "awaiting_response")
    assert api(grid_worker).post(url, {"note": "  "}, format="json").status_code == 400
    assert api(grid_worker).post(url, {}, format="json").status_code == 400
    assert api(respondent).post(url, {"note": "走访"}, format="json").status_code == 403
    assert api(other_grid_worker).post(url, {"note": "走访"}, format="json").status_code == 404
    assert api(outsider).post(url, {"note": "走访"}, format="json").status_code == 404
    assert api().post(url, {"note": "走访"}, format="json").status_code == 401
    assert (
        api(grid_worker).post("/api/v1/disputes/999999/home-visit/", {"note": "x"}, format="json").status_code
        == 404
    )
    assert not events(dispute, "home_visit")


def test_the_queue_page_shows_the_deadline_and_the_home_visit(dispute, advance, grid_worker, client):
    dispute = advance(dispute, "awaiting_response")
    engine.sweep(now=dispute.due_at - timedelta(hours=23))
    client.force_login(grid_worker)
    client.cookies["django_language"] = "en"
    html = client.get("/disputes/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Home visit due" in html and dispute.reference in html
    # Seven days to answer, 23 hours of them passed on the sweeper's clock only: due later.
    due = f"{timezone.localtime(dispute.due_at):%Y-%m-%d}"
    assert f'<span class="badge badge-due">Due {due}</span>' in html
    assert "badge-overdue" not in html and "Due soon" not in html


def test_the_settled_follow_up_counts_from_the_performance_deadline(dispute, advance):
    from django.utils import timezone

    dispute = advance(dispute, "settled")
    assert timezone.localtime(dispute.due_at).date().isoformat() == "2027-01-07"
    assert dispute.sla_next_at == dispute.due_at - timedelta(days=2)


def test_the_follow_up_falls_back_to_a_week_after_settling(dispute):
    from django.utils import timezone

    settled_at = timezone.now()
    assert deadlines.follow_up_due(dispute, settled_at) == settled_at + timedelta(days=7)


def test_two_sweeps_one_after_the_other_act_once(dispute, advance, respondent):
    second = advance(dispute, "awaiting_response")
    due = second.due_at
    engine.sweep(now=due + MINUTE)
    engine.sweep(now=due + MINUTE)
    assert len(events(second, "respondent_decline")) == 1
    assert SlaNotice.objects.filter(dispute=second, kind="breach", due_at=due).count() == 1


def test_beat_sweeps_every_minute_through_the_task(dispute):
    entry = settings.CELERY_BEAT_SCHEDULE["sla-sweep"]
    assert entry["task"] == "disputes.tasks.sweep_deadlines" and entry["schedule"] == 60.0
    assert sweep_deadlines.name == "disputes.tasks.sweep_deadlines"
    assert sweep_deadlines() == 0  # the freshly filed dispute's first reminder is days away


def test_a_sweep_with_nothing_due_costs_one_query(dispute, django_assert_num_queries):
    with django_assert_num_queries(1):
        engine.sweep(now=dispute.created_at)


def test_the_dispute_page_names_the_sla_lines_in_words(dispute, grid_worker, client):
    engine.sweep(now=dispute.due_at - timedelta(hours=3))
    engine.sweep(now=dispute.due_at + MINUTE)
    grid_worker.language = "en"
    grid_worker.save()
    client.force_login(grid_worker)
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "Deadline reminder" in html and "sla_reminder" not in html
    (escalation,) = events(dispute, "escalate")
    assert escalation.reason.endswith(": escalated by the system (rule sla.filed).")
    assert escalation.reason in html


def test_the_parties_do_not_see_the_home_visit_marker(dispute, advance, respondent, claimant, client, api):
    dispute = advance(dispute, "awaiting_response")
    engine.sweep(now=dispute.due_at - timedelta(hours=23))
    (line,) = [q for q in api(respondent).get("/api/v1/queue/").json()["results"] if q["id"] == dispute.pk]
    assert line["home_visit_due"] is False and line["due_at"]
    for party in (respondent, claimant):
        party.language = "en"
        party.save()
        client.force_login(party)
        html = client.get("/disputes/").content.decode()
        assert dispute.reference in html and "Home visit due" not in html


def test_the_policy_can_escalate_instead_of_the_timeout_transition(dispute, advance):
    from disputes.models import SlaPolicy

    policy = SlaPolicy.objects.get(state="awaiting_response")
    policy.breach_action = "escalate"
    policy.save()
    dispute = advance(dispute, "awaiting_response")
    engine.sweep(now=dispute.due_at + MINUTE)
    assert [e.transition for e in events(dispute, "escalate", "respondent_decline")] == ["escalate"]
    assert events(dispute, "escalate")[0].payload["rule"] == "sla.awaiting_response"


def test_a_notify_only_policy_leaves_the_dispute_where_it_is(dispute, grid_worker, notified):
    from disputes.models import SlaPolicy

    policy = SlaPolicy.objects.get(state="filed")
    policy.breach_action = "notify"
    policy.save()
    engine.sweep(now=dispute.due_at + MINUTE)
    dispute.refresh_from_db()
    assert dispute.state == "filed"
    assert [e.transition for e in events(dispute, "sla_breach", "escalate")] == ["sla_breach"]
    assert ("sla_breach", ["grid_worker"]) in notified


def test_the_task_works_through_a_backlog_bigger_than_a_batch(regions, claimant, grid_worker, settings):
    from django.utils import timezone

    from tests import factories

    settings.SLA_SWEEP_BATCH = 2
    passed = timezone.now() - timedelta(minutes=5)
    for i in range(5):
        d = factories.file_dispute(claimant, regions["grid1"], factories.next_phone(), title=f"积压{i}")
        Dispute.objects.filter(pk=d.pk).update(due_at=timezone.now() + timedelta(hours=1), sla_next_at=passed)
    assert sweep_deadlines() == 5
    assert DisputeEvent.objects.filter(transition="sla_reminder").count() == 5
