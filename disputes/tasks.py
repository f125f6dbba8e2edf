"""Celery tasks of the disputes app: thin shells around services."""

from celery import shared_task

from . import sla


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    """Beat, every minute: reminders, the respondent ladder and breaches that have come due.

    Safe to run twice at once (disputes.sla.sweep); a run that finds nothing costs one query.
    """
    return sla.sweep()
