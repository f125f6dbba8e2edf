"""Places in the admin (per grid, searchable) and in the demo seed (docs/features/places.md)."""

import pytest
from django.core.management import call_command

from accounts.models import Place, Region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_searches_places_by_initials(admin_client_, places):
    page = admin_client_.get("/admin/accounts/place/", {"q": "ylhy"}).content.decode()
    assert "怡乐花园3栋" in page and "宝石山庄" not in page


def test_grid_page_lists_its_places_inline(admin_client_, places, regions):
    page = admin_client_.get(f"/admin/accounts/region/{regions['grid1'].pk}/change/").content.decode()
    assert "怡乐花园" in page and "宝石山庄" not in page
    community = admin_client_.get(
        f"/admin/accounts/region/{regions['community1'].pk}/change/"
    ).content.decode()
    assert "places-TOTAL_FORMS" not in community


def test_seed_gives_every_demo_grid_places_with_pinyin(tmp_path, settings):
    call_command("seed_demo", verbosity=0)
    grids = Region.objects.filter(kind=Region.Kind.GRID)
    assert grids.count() == 8
    assert all(grid.places.exists() for grid in grids)
    assert Place.objects.get(name="怡乐花园").initials == "ylhy"
    before = Place.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Place.objects.count() == before
