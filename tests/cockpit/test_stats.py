"""GET /api/v1/stats/: every figure equals the row count of the dispute list it links to."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import Dispute

pytestmark = pytest.mark.django_db


def list_count(client, filters: dict) -> int:
    """Rows of GET /api/v1/disputes/ with these filters, following every cursor page."""
    params = []
    for key, value in filters.items():
        for v in value if isinstance(value, list) else [value]:
            params.append((key, "true" if v is True else "false" if v is False else v))
    url, params, rows = "/api/v1/disputes/", params + [("page_size", 100)], 0
    while url:
        response = client.get(url, params) if params else client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += len(body["results"])
        url, params = body["next"], None
    return rows


def counted_figures(body: dict) -> list[tuple[str, int, dict]]:
    """(name, count, filters) of every figure in a stats answer that counts disputes."""
    out = [("total", body["total"]["count"], body["total"]["filters"])]
    out += [(f"state {s['state']}", s["count"], s["filters"]) for s in body["by_state"]]
    for name in ("overdue", "resolved", "settled"):
        out.append((name, body[name]["count"], body[name]["filters"]))
    for name in ("rated", "low_rated"):
        out.append((name, body["satisfaction"][name]["count"], body["satisfaction"][name]["filters"]))
    out += [(f"category {c['category']}", c["count"], c["filters"]) for c in body["by_category"]]
    for g in body["by_grid"]:
        for name in ("total", "open", "overdue", "resolved"):
            out.append((f"grid {g['grid']['id']} {name}", g[name]["count"], g[name]["filters"]))
    return out


@pytest.mark.parametrize(
    "who, region, period, category",
    [
        ("district_handler", None, None, None),
        ("district_handler", "street1", 30, None),
        ("street_handler", None, 60, "neighbourhood"),
        ("grid_worker", None, None, None),
        ("district_handler", "grid3", None, None),
    ],
)
def test_every_figure_equals_the_count_of_its_list(api, world, regions, cast, who, region, period, category):
    user = cast(who)
    client = api(user)
    params = {}
    if region:
        params["region"] = regions[region].pk
    if period:
        today = timezone.localdate()
        params["from"] = (today - timedelta(days=period)).isoformat()
        params["to"] = today.isoformat()
    if category:
        params["category"] = category
    response = client.get("/api/v1/stats/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"]["count"] > 0
    figures = counted_figures(body)
    assert len(figures) > 20
    for name, count, filters in figures:
        assert list_count(client, filters) == count, name
    # The by-state counts add up to the total, and the rates follow from the counts.
    assert sum(s["count"] for s in body["by_state"]) == body["total"]["count"]
    assert body["resolution_rate"] == round(body["resolved"]["count"] / body["total"]["count"], 4)


def test_figures_match_a_hand_count(api, world, district_handler, regions):
    body = api(district_handler).get("/api/v1/stats/", {"region": regions["street1"].pk}).json()
    mine = [d for d in Dispute.objects.all() if d.grid_id in (regions["grid1"].pk, regions["grid2"].pk)]
    now = timezone.now()
    assert body["total"]["count"] == len(mine)
    assert body["overdue"]["count"] == sum(1 for d in mine if d.due_at and d.due_at < now)
    assert body["resolved"]["count"] == sum(1 for d in mine if d.state in ("settled", "closed"))
    days = sorted((d.settled_at - d.created_at).total_seconds() / 86400 for d in mine if d.settled_at)
    middle = len(days) // 2
    median = days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2
    assert body["median_days_to_settle"] == round(median, 1)
    scores = [r.score for d in mine for r in d.ratings.all()]
    assert body["satisfaction"]["ratings"] == len(scores)
    assert body["satisfaction"]["average_score"] == round(sum(scores) / len(scores), 2)


def test_region_must_lie_within_the_callers_area(api, world, grid_worker, street_handler, regions):
    assert api(grid_worker).get("/api/v1/stats/", {"region": regions["grid3"].pk}).status_code == 403
    assert api(street_handler).get("/api/v1/stats/", {"region": regions["street2"].pk}).status_code == 403
    assert api(street_handler).get("/api/v1/stats/", {"region": regions["district"].pk}).status_code == 403
    assert api(street_handler).get("/api/v1/stats/", {"region": 999999}).status_code == 404
    assert api(street_handler).get("/api/v1/stats/", {"region": regions["grid2"].pk}).status_code == 200


def test_a_grid_worker_sees_only_their_grids(api, world, grid_worker, regions):
    body = api(grid_worker).get("/api/v1/stats/").json()
    assert [g["grid"]["id"] for g in body["by_grid"]] == [regions["grid1"].pk]
    assert body["total"]["count"] == Dispute.objects.filter(grid=regions["grid1"]).count()


@pytest.mark.parametrize("who", ["mediator", "claimant", "outsider"])
def test_stats_are_for_grid_and_case_staff_only(api, world, cast, who):
    assert api(cast(who)).get("/api/v1/stats/").status_code == 403


def test_anonymous_gets_401(api, world):
    assert api(None).get("/api/v1/stats/").status_code == 401


@pytest.mark.parametrize(
    "params", [{"from": "2026-13-01"}, {"region": "x"}, {"from": "2026-05-02", "to": "2026-05-01"}]
)
def test_malformed_parameters_are_400(api, world, district_handler, params):
    response = api(district_handler).get("/api/v1/stats/", params)
    assert response.status_code == 400 and response.json()["errors"]


def test_the_list_rejects_malformed_cockpit_filters(api, world, district_handler):
    client = api(district_handler)
    for params in ({"from": "yesterday"}, {"rating": "bad"}, {"region": "x"}, {"settled": "perhaps"}):
        assert client.get("/api/v1/disputes/", params).status_code == 400, params


def test_a_constant_number_of_queries(api, world, district_handler, regions, claimant, respondent):
    from tests import factories

    client = api(district_handler)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/stats/").status_code == 200
        return len(captured)

    before = count()
    for n in range(15):
        factories.file_dispute(claimant, regions["grid2"], respondent.phone, title=f"新纠纷{n}")
    assert count() == before
    assert before <= 16
