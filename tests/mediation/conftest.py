import pytest

from disputes.models import Category
from tests import factories


@pytest.fixture
def labour():
    return Category.objects.get(slug="labour")


@pytest.fixture
def awaiting(dispute, advance):
    """The fixture dispute (grid1, community1) waiting for a mediator."""
    return advance(dispute, "awaiting_mediator")


@pytest.fixture
def make_mediator(regions):
    def make(region="community1", **profile):
        user = factories.staff("mediator", regions[region])
        for key, value in profile.items():
            setattr(user.mediator_profile, key, value)
        user.mediator_profile.save()
        return user

    return make
