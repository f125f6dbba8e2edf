"""Places of the test tree (tests.factories.region_tree): estates in grid1, grid2 and grid3."""

import pytest

from accounts.models import Place


@pytest.fixture
def places(regions):
    return {
        "yile": Place.objects.create(grid=regions["grid1"], name="怡乐花园", name_en="Yile Garden"),
        "yile3": Place.objects.create(grid=regions["grid1"], name="怡乐花园3栋"),
        "baoshi": Place.objects.create(grid=regions["grid2"], name="宝石山庄", name_en="Baoshi Villas"),
        "xinyi": Place.objects.create(grid=regions["grid2"], name="新怡乐苑"),
        "yuquan": Place.objects.create(grid=regions["grid3"], name="玉泉路12号"),
    }
