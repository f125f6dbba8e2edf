"""The Celery app. Broker: Redis when REDIS_URL is set, else a folder (no server needed)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tiaojie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
