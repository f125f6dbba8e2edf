"""The demo's places: estates, buildings and addresses residents name, per demo grid
(docs/features/places.md). Loaded by seed_demo; safe to run again (get_or_create by grid and name)."""

from __future__ import annotations

from accounts.models import Place, Region

# grid number (1..8, demo_data.STREETS order) → [(name, English name)]
PLACES: dict[int, list[tuple[str, str]]] = {
    1: [("怡乐花园", "Yile Garden"), ("怡乐花园1幢", "Yile Garden Block 1"), ("怡乐花园2幢", "Yile Garden Block 2"),
        ("保俶路18号", "18 Baochu Road"), ("宝石山下一弄", "Baoshishan Lane 1")],
    2: [("宝石新村", "Baoshi New Village"), ("宝石新村6幢", "Baoshi New Village Block 6"),
        ("少年宫商业楼", "Youth Palace Arcade")],
    3: [("葛岭公寓", "Geling Apartments"), ("北山路84号", "84 Beishan Road"), ("栖霞岭小区", "Qixialing Estate")],
    4: [("曙光新村", "Shuguang New Village"), ("曙光路120号", "120 Shuguang Road"), ("黄龙农贸市场", "Huanglong Market")],
    5: [("玉泉花园", "Yuquan Garden"), ("玉古路168号", "168 Yugu Road"), ("浙大西溪宿舍", "Xixi Campus Housing")],
    6: [("青芝坞小区", "Qingzhiwu Estate"), ("植物园南门公寓", "Botanical Garden South Apartments")],
    7: [("金沙港大厦", "Jinshagang Tower"), ("金沙港新苑", "Jinshagang New Court"), ("龙井路9号", "9 Longjing Road")],
    8: [("茶园新村", "Tea Garden Village"), ("灵隐路12号", "12 Lingyin Road"), ("金沙港商铺", "Jinshagang Shops")],
}  # fmt: skip


def seed_places(grids: dict[int, Region]) -> int:
    """Add the demo places to grids 1..8; returns how many were new."""
    new = 0
    for number, names in PLACES.items():
        for name, name_en in names:
            _place, created = Place.objects.get_or_create(
                grid=grids[number], name=name, defaults={"name_en": name_en}
            )
            new += created
    return new
