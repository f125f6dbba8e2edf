from datetime import timedelta

import pytest


@pytest.fixture(autouse=True)
def codes_without_waiting(settings):
    """Signers ask for several codes within a minute in these tests."""
    settings.PHONE_CODE_MIN_INTERVAL = timedelta(0)


@pytest.fixture
def sms_sent(django_capture_on_commit_callbacks):
    """with sms_sent(): ... delivers the SMS a request schedules after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
