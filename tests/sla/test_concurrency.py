"""Two sweepers at once on PostgreSQL: every reminder and every breach is acted on once."""

import os
import time
from datetime import timedelta

import pytest
from django.db.models import Count

from disputes import hooks, services
from disputes.models import Dispute, DisputeEvent, SlaNotice
from disputes.sla import engine
from tests import factories
from tests.disputes.test_concurrency import race

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]


@pytest.fixture
def slow_events():
    """Each timeline line takes a little while, so the two sweepers truly overlap."""

    def slow(event, notify):
        time.sleep(0.02)

    hooks.ON_EVENT.append(slow)
    yield
    hooks.ON_EVENT.remove(slow)


def test_two_sweepers_at_once_act_on_each_deadline_once(
    regions, claimant, grid_worker, slow_events, settings
):
    settings.TIAOJIE_AUTO_ASSIGN = False
    answering, intake = [], []
    for i in range(12):
        respondent = factories.UserFactory()
        d = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"纠纷{i}")
        if i % 2:
            services.fire(d.pk, "accept", by=grid_worker)
            answering.append(d.pk)
        else:
            intake.append(d.pk)
    # Intake reminders come 4 hours before their (working-day) deadlines.
    reminder_time = min(Dispute.objects.filter(pk__in=intake).values_list("due_at", flat=True)) - timedelta(
        hours=3
    )
    # The respondents were served earlier: by reminder_time they are 12 hours into day 2 of their
    # 7, whatever the weekday (2 working days of intake span 48 to 96 hours of the calendar).
    due = reminder_time + timedelta(days=5, hours=-12)
    Dispute.objects.filter(pk__in=answering).update(due_at=due, sla_next_at=due - timedelta(days=5))

    handled = race(lambda: engine.sweep(now=reminder_time), lambda: engine.sweep(now=reminder_time))
    assert sum(handled) == len(intake) + len(answering)  # each dispute handled by one of the two
    assert min(handled) > 0  # and both truly worked at once, skipping each other's locked rows
    reminders = DisputeEvent.objects.filter(transition="sla_reminder")
    assert sorted(reminders.values_list("dispute_id", flat=True)) == sorted(intake)
    # By then the respondents are on day 2 of their 7: the ladder's first reminder, once each.
    nudges = DisputeEvent.objects.filter(transition="respondent_reminder")
    assert sorted(nudges.values_list("dispute_id", flat=True)) == sorted(answering)
    assert {e.payload["step"] for e in nudges} == {2}

    handled = race(
        lambda: engine.sweep(now=due + timedelta(minutes=1)),
        lambda: engine.sweep(now=due + timedelta(minutes=1)),
    )
    declines = DisputeEvent.objects.filter(transition="respondent_decline")
    assert sorted(declines.values_list("dispute_id", flat=True)) == sorted(answering)
    assert set(declines.values_list("actor", flat=True)) == {None}
    # The ladder's later steps are not taken once the deadline itself has passed.
    assert DisputeEvent.objects.filter(transition="respondent_reminder").count() == len(answering)
    assert not DisputeEvent.objects.filter(transition="home_visit_task").exists()
    # The escalated state's own deadline may already have passed by this clock: one breach each at most.
    breaches = (
        DisputeEvent.objects.filter(transition="sla_breach").values("dispute_id").annotate(n=Count("id"))
    )
    assert {b["n"] for b in breaches} <= {1}
    assert SlaNotice.objects.filter(dispute_id__in=answering, kind="breach", due_at=due).count() <= len(
        answering
    )
    assert not Dispute.objects.filter(pk__in=answering).exclude(state="escalated").exists()
