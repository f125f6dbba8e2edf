from celery import shared_task

from . import services


# Named as before the move (queued messages and the beat schedule use the names).
@shared_task(
    name="mediation.tasks.auto_assign", acks_late=True, autoretry_for=(Exception,), retry_backoff=True,
    max_retries=5,
)  # fmt: skip
def auto_assign(*, dispute_id: int) -> None:
    """Assign a mediator to a dispute awaiting one (idempotent: acts only in that state)."""
    services.auto_assign(dispute_id)
