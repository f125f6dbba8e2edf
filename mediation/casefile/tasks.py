"""Rendering the case file and the referral letter off the request (docs/features/casework.md)."""

from celery import shared_task

from . import rendering


# Celery's limits are a second guard around the forked child's own (rendering.render_limited):
# they act in a prefork worker only, never in eager mode. No retries: the reader asks again.
@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=rendering.SECONDS + 15,
    time_limit=rendering.SECONDS + 30,
)
def render_case_document(document: str, dispute_id: int, reader_id: int) -> None:
    from . import dossier

    rendering.finish(document, dispute_id, reader_id, dossier.build(document, dispute_id, reader_id))
