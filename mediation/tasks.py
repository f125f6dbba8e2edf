"""Celery looks for tasks in <app>.tasks: the feature packages' tasks, under their names of old."""

from .pool.tasks import auto_assign
from .settlements.tasks import remove_orphan_pdfs, sweep_judicial_deadlines

__all__ = ["auto_assign", "remove_orphan_pdfs", "sweep_judicial_deadlines"]
