"""GET /api/v1/places/?q=: suggestions as one types (docs/features/places.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import pinyin
from accounts.models import Place, Region

pytestmark = pytest.mark.django_db


def search(api, q, user=None, **params):
    return api(user).get("/api/v1/places/", {"q": q, **params}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_save_fills_pinyin_and_initials(places, regions):
    place = places["yile3"]
    assert (place.pinyin, place.initials) == ("yilehuayuan3dong", "ylhy3d")
    assert "乐花" in place.grams.split()
    regions["street1"].refresh_from_db()
    assert (regions["street1"].pinyin, regions["street1"].initials) == ("beishanjiedao", "bsjd")


def test_bulk_add_fills_the_keys_too(regions):
    Place.bulk_add([Place(grid=regions["grid1"], name="重庆大厦")])
    place = Place.objects.get(name="重庆大厦")
    assert place.pinyin == "chongqingdasha" and place.initials == "cqds"
    assert pinyin.keys("A座 12号") == ("azuo12hao", "az12h")


def test_chinese_substring_finds_the_estate_with_its_street_and_community(api, places, regions):
    body = search(api, "乐花").json()
    assert body[0] == {
        "kind": "place",
        "id": places["yile"].pk,
        "name": "怡乐花园",
        "label": "怡乐花园 · 北山街道 / 宝石社区",
        "grid": regions["grid1"].pk,
        "street": regions["street1"].pk,
    }
    assert {r["name"] for r in body} == {"怡乐花园", "怡乐花园3栋"}


def test_anonymous_may_search_as_filing_starts_before_sign_in(api, places):
    assert search(api, "宝石").status_code == 200


def test_initials_and_full_pinyin_prefixes(api, places):
    assert [r["name"] for r in search(api, "ylhy").json()][:2] == ["怡乐花园", "怡乐花园3栋"]
    names = [r["name"] for r in search(api, "yile").json()]
    assert names[:2] == ["怡乐花园", "怡乐花园3栋"] and "新怡乐苑" not in names
    assert [r["name"] for r in search(api, "YiLeHua").json()][:1] == ["怡乐花园"]


def test_communities_and_streets_are_found_by_name_and_pinyin(api, places, regions):
    body = search(api, "bsjd").json()
    assert body[0]["kind"] == "street" and body[0]["id"] == regions["street1"].pk
    assert body[0]["grid"] is None and body[0]["label"] == "北山街道 · 西湖区"
    community = [r for r in search(api, "宝石").json() if r["kind"] == "community"]
    assert community and community[0]["label"] == "宝石社区 · 北山街道"
    assert community[0]["street"] == regions["street1"].pk


def test_ranking_prefers_exact_then_prefix_then_inside(api, places):
    names = [r["name"] for r in search(api, "怡乐").json()]
    # the names that start with it (shortest first) before the one that only contains it
    assert names == ["怡乐花园", "怡乐花园3栋", "新怡乐苑"]
    assert search(api, "宝石山庄").json()[0]["name"] == "宝石山庄"


def test_english_names_in_english(api, places):
    body = api().get("/api/v1/places/", {"q": "yile"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body[0]["name"] == "Yile Garden"
    assert body[0]["label"] == "Yile Garden · Beishan Street / Baoshi"
    body = api().get("/api/v1/places/", {"q": "baoshi v"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["name"] for r in body] == ["Baoshi Villas"]


def test_within_narrows_to_a_community_or_street(api, places, regions):
    body = search(api, "yl", within=regions["street2"].pk).json()
    assert body == []
    body = search(api, "怡", within=regions["community1"].pk).json()
    assert {r["name"] for r in body} == {"怡乐花园", "怡乐花园3栋"}
    assert search(api, "怡", within=regions["grid1"].pk).status_code == 400
    assert search(api, "怡", within="1;drop").status_code == 400


def test_at_most_ten_with_constant_queries(api, regions):
    Place.bulk_add([Place(grid=regions["grid1"], name=f"幸福小区{i}栋") for i in range(30)])
    with CaptureQueriesContext(connection) as few:
        assert len(search(api, "幸福").json()) == 10
    assert len(search(api, "xingfu").json()) == 10
    with CaptureQueriesContext(connection) as ascii_queries:
        search(api, "xfxq")
    assert len(few) <= 6 and len(ascii_queries) <= 6


@pytest.mark.parametrize("q", ["", "   ", "a" * 41, "怡\x00乐"])
def test_malformed_or_oversized_queries_are_refused(api, places, q):
    response = search(api, q)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "q" in response.json()["errors"]


def test_no_query_is_refused(api):
    response = api().get("/api/v1/places/")
    assert response.status_code == 400


def test_nothing_found_is_an_empty_list(api, places):
    assert search(api, "zzzz").json() == []


def test_grids_are_not_offered_directly(api, places):
    assert all(r["kind"] != "grid" for r in search(api, "宝石").json())
    assert Region.objects.filter(kind="grid", name__startswith="宝石").exists()
