"""The Celery app. Broker: Redis when REDIS_URL is set, else a folder (no server needed)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tiaojie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def freeze_startup_objects(**_kwargs) -> None:
    """As config/asgi.py does: objects loaded at start-up stay out of full collections."""
    gc.freeze()
