"""Celery tasks: deliver a batch of outbox rows; sweep for rows that are due and undelivered."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from celery.signals import task_postrun
from django.conf import settings
from django.db import close_old_connections

from . import delivery

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def deliver(self, notification_ids: list[int] | int) -> None:
    """Deliver a batch of rows (an id alone is a batch of one: tasks queued before batches).

    Idempotent by the rows: a duplicate task finds them claimed or sent; this task redelivered
    after its process died takes back the rows it held (delivery.claim).
    """
    ids = [notification_ids] if isinstance(notification_ids, int) else list(notification_ids)
    retry = delivery.deliver(ids, token=self.request.id or uuid.uuid4().hex)
    if self.request.is_eager:
        return  # inline (tests, the demo seed): retries are left to the sweeper
    # Short waits are Celery countdowns; longer ones wait in the database for the sweeper
    # (on Redis an ETA past the visibility timeout would run twice).
    for delay, group in retry.items():
        if delay.total_seconds() <= settings.NOTIFY_MAX_COUNTDOWN:
            try:
                deliver.apply_async((group,), countdown=delay.total_seconds())
            except Exception:  # noqa: BLE001 - the broker is unreachable: the sweeper will queue them
                log.warning(
                    "broker unreachable; %d notifications left to the sweeper", len(group), exc_info=True
                )


def queue(ids: list[int]) -> None:
    """One delivery task per NOTIFY_BATCH rows. Raises when the broker is unreachable."""
    size = settings.NOTIFY_BATCH
    for start in range(0, len(ids), size):
        deliver.delay(ids[start : start + size])


@shared_task(ignore_result=True)
def sweep() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): queue rows that are due and undelivered.

    Covers a broker that was down at commit, a process that died between commit and
    publish, a worker killed mid-task and retries longer than a Celery countdown.
    """
    ids = delivery.due_ids(settings.NOTIFY_SWEEP_BATCH)
    queue(ids)
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
