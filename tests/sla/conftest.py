import importlib

import pytest
from django.apps import apps
from django.core.cache import cache

from disputes.models import Holiday
from disputes.sla import policies


@pytest.fixture(autouse=True)
def sla_data(db):
    """The migrated policies and calendar, put back if a transactional test's flush removed them;
    and a fresh cache, so a rolled-back test's rows never linger there."""
    if not Holiday.objects.exists():
        importlib.import_module("disputes.migrations.0009_sla_defaults").load(apps, None)
    cache.delete(policies.CACHE_KEY)
    yield
    cache.delete(policies.CACHE_KEY)
