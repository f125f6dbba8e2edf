import pytest
from django.utils import timezone

from disputes.models import Dispute


@pytest.fixture
def finished(dispute, mediator, respondent):
    """finished(state) → the fixture dispute, served, mediated by `mediator`, now in `state`.

    Set with a queryset update (the rating rules depend on the state, not on the path to it);
    tests/ratings/test_flow.py drives a real dispute through every transition instead.
    """

    def make(state="settled", **fields):
        now = timezone.now()
        values = {"state": state, "mediator": mediator, "served_at": now, "due_at": None, **fields}
        if state in ("settled", "closed"):
            values.setdefault("settled_at", now)
        Dispute.objects.filter(pk=dispute.pk).update(**values)
        dispute.refresh_from_db()
        return dispute

    return make


@pytest.fixture(autouse=True)
def english_pages(client, settings):
    """Pages in English (a signed-in user's saved language wins over Accept-Language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
