"""Celery tasks: deliver one outbox row; sweep for rows that are due and undelivered."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import task_postrun
from django.conf import settings
from django.db import close_old_connections

from . import delivery

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def deliver(self, notification_id: int) -> None:
    """Idempotent by the row id: a redelivered or duplicate task finds the row claimed or sent."""
    delay = delivery.deliver(notification_id)
    # Short waits are Celery retries; longer ones wait in the database for the sweeper
    # (on Redis an ETA past the visibility timeout would run twice).
    if (
        delay is not None
        and not self.request.is_eager
        and delay.total_seconds() <= settings.NOTIFY_MAX_COUNTDOWN
    ):
        raise self.retry(countdown=delay.total_seconds())


@shared_task(ignore_result=True)
def sweep() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): queue rows that are due and undelivered.

    Covers a broker that was down at commit, a process that died between commit and
    publish, a worker killed mid-task and retries longer than a Celery countdown.
    """
    ids = delivery.due_ids(settings.NOTIFY_SWEEP_BATCH)
    for pk in ids:
        deliver.delay(pk)
    if ids:
        log.info("notifications sweep queued %d", len(ids))
    return len(ids)


@task_postrun.connect
def release_connections(sender=None, **_kwargs) -> None:
    """Keep database connections across tasks (CELERY_DB_REUSE_MAX), but drop broken ones and
    those older than CONN_MAX_AGE, as Django does at the end of a request (not for eager
    tasks, which run inside the caller's request or transaction)."""
    if sender is not None and not getattr(sender.request, "is_eager", False):
        close_old_connections()
