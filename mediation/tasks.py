from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def auto_assign(*, dispute_id: int) -> None:
    """Assign a mediator to a dispute awaiting one (idempotent: acts only in that state)."""
    services.auto_assign(dispute_id)


@shared_task(acks_late=True)
def sweep_judicial_deadlines() -> int:
    """Beat: reminders before the judicial-confirmation window closes, expiry after (safe to run twice)."""
    from . import judicial

    return judicial.sweep()


@shared_task(acks_late=True)
def remove_orphan_pdfs() -> int:
    """Beat: delete signed PDFs no row refers to (a transaction that failed after writing one)."""
    from . import settlements

    return settlements.remove_orphan_files()
