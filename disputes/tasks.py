"""Celery tasks of the disputes app: thin shells around services."""

import time

from celery import shared_task
from django.conf import settings

from .casework import info_requests
from .reports import alerts
from .sla import engine

# A run stops taking new batches after this long, before the next minute's run is due.
SWEEP_SECONDS = 45


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    """Beat, every minute: reminders, the respondent ladder and breaches that have come due.

    Batch after batch while full ones come back (a backlog after an outage), for 45 s at
    most. Safe to run twice at once (disputes.sla.engine.sweep); a run that finds nothing costs
    one query.
    """
    total, stop = 0, time.monotonic() + SWEEP_SECONDS
    while True:
        handled = engine.sweep()
        total += handled
        if handled < settings.SLA_SWEEP_BATCH or time.monotonic() > stop:
            return total


@shared_task(ignore_result=True)
def sweep_information_requests() -> int:
    """Beat, every 15 minutes: reminders and overdue notices of requests for information."""
    return info_requests.sweep_information_requests()


@shared_task(ignore_result=True)
def evaluate_risk() -> int:
    """Beat, daily: the cockpit's risk rules; raises each new alert once (disputes.reports.alerts)."""
    return len(alerts.evaluate())
