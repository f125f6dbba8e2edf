import pytest


@pytest.fixture(autouse=True)
def own_outbox(settings, tmp_path):
    """Each test reads only the SMS it caused."""
    settings.OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def signed_in(client):
    """signed_in(user) → the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
