"""The sessions' Celery tasks (named under mediation.tasks, where Celery finds them)."""

from celery import shared_task

from . import reminders
from .phone import place_session_calls


@shared_task(name="mediation.tasks.send_session_reminders", acks_late=True)
def send_session_reminders() -> int:
    """Beat, every five minutes: the session reminders due (idempotent, in batches)."""
    return reminders.sweep()


__all__ = ["place_session_calls", "send_session_reminders"]
