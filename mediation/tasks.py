"""Celery looks for tasks in <app>.tasks: the feature packages' tasks, under their names of old."""

from celery import shared_task

from .pool.tasks import auto_assign
from .sessions.tasks import place_session_calls, send_session_reminders
from .settlements.tasks import publish_crl, remove_orphan_pdfs, sweep_judicial_deadlines


@shared_task(name="mediation.tasks.apply_retention", acks_late=True)
def apply_retention() -> dict[str, int]:
    """Beat, daily: delete or anonymise what is past its retention period (mediation.privacy)."""
    from .privacy import retention

    return retention.apply()


__all__ = [
    "apply_retention", "auto_assign", "place_session_calls", "publish_crl", "remove_orphan_pdfs",
    "send_session_reminders", "sweep_judicial_deadlines",
]  # fmt: skip
