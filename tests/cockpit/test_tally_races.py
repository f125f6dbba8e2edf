"""The tallies under concurrent writes on PostgreSQL: no count lost, nobody deadlocked.

Every filing in a grid, category and month adds to the same Tally row, and transitions
move counts between two rows: threads on their own connections do both at once.
"""

import os
import threading

import pytest
from django.db import connection, transaction

from disputes.models import Dispute
from tests import factories
from tests.cockpit.test_tallies import counted, tallied

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    errors: list = []

    def run(call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            call()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    assert not errors, errors


def test_concurrent_filings_and_opposite_transitions_keep_the_tallies_exact(regions, claimant, respondent):
    first = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="甲")
    second = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="乙")
    Dispute.objects.filter(pk=second.pk).update(state="awaiting_signatures")
    Dispute.objects.filter(pk=first.pk).update(state="in_mediation")

    def flip(pk: int, states: tuple[str, str]):
        def go():
            for n in range(40):  # the two threads always move counts in opposite directions
                with transaction.atomic():
                    Dispute.objects.filter(pk=pk).update(state=states[n % 2])
                    Dispute.objects.filter(pk=pk).update(due_at=None)  # hold the locks a moment

        return go

    def file(tag: str):
        def go():
            for n in range(15):
                factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"{tag}{n}")

        return go

    run_together(
        flip(first.pk, ("awaiting_signatures", "in_mediation")),
        flip(second.pk, ("in_mediation", "awaiting_signatures")),
        file("丙"),
        file("丁"),
    )
    assert Dispute.objects.count() == 32
    assert tallied() == counted()
