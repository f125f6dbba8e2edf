"""GET /api/v1/disputes/: filters, cursor pagination, and a query count that does not grow."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import Category, Dispute
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/disputes/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [d["id"] for d in response.json()["results"]]


def many(claimant, grid, respondent_phone, count: int, **overrides) -> list[Dispute]:
    return [
        factories.file_dispute(claimant, grid, respondent_phone, title=f"纠纷 {i}", **overrides)
        for i in range(count)
    ]


@pytest.fixture
def mixed(regions, claimant, respondent, outsider, advance):
    """Disputes in two grids, three categories and several states."""
    tenancy = Category.objects.get(slug="tenancy")
    consumer = Category.objects.get(slug="consumer")
    leak = factories.file_dispute(claimant, regions["grid2"], respondent.phone, title="楼上漏水")
    rent = factories.file_dispute(
        claimant, regions["grid2"], respondent.phone, title="押金不退", category=tenancy,
        description="房东拒绝退还 Deposit 押金。",
    )  # fmt: skip
    noise = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="噪音"), "escalated"
    )
    shop = advance(
        factories.file_dispute(
            outsider, regions["grid1"], respondent.phone, title="商品质量", category=consumer
        ),
        "awaiting_response",
    )
    far = factories.file_dispute(claimant, regions["grid3"], respondent.phone, title="别的街道")
    return {"leak": leak, "rent": rent, "noise": noise, "shop": shop, "far": far}


def test_the_list_is_cursor_paginated_newest_first(mixed, claimant, api):
    r = api(claimant).get(LIST)
    assert set(r.json()) == {"results", "next", "previous"}
    mine = [mixed[k].pk for k in ("far", "noise", "rent", "leak")]
    assert ids(r) == mine
    assert r.json()["next"] is None and r.json()["previous"] is None


def test_each_caller_lists_only_what_they_may_see(
    mixed, claimant, respondent, grid_worker, street_handler, api
):
    assert ids(api(grid_worker).get(LIST)) == [mixed[k].pk for k in ("shop", "noise")]
    assert set(ids(api(street_handler).get(LIST))) == {mixed[k].pk for k in ("leak", "rent", "noise", "shop")}
    # The respondent was served only where intake accepted the dispute.
    assert ids(api(respondent).get(LIST)) == [mixed["shop"].pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=filed", ["rent", "leak"]),
        ("state=escalated", ["noise"]),
        ("state=filed&state=escalated", ["noise", "rent", "leak"]),
        ("state=closed", []),
        ("grid={grid1}", ["shop", "noise"]),
        ("grid={grid2}&state=filed", ["rent", "leak"]),
        ("grid={grid1}&state=filed", []),
        ("grid={grid3}", []),  # not the street handler's
        ("category=tenancy", ["rent"]),
        ("category=consumer", ["shop"]),
        ("category=no-such-category", []),
        ("q=楼上漏水", ["leak"]),  # title (every description mentions 漏水)
        ("q=deposit", ["rent"]),  # description, case-insensitive
        ("q={leak_ref}", ["leak"]),  # reference
        ("q=  噪音  ", ["noise"]),
        ("q=无此内容", []),
    ],
)
def test_filters_narrow_the_list(query, expected, mixed, regions, street_handler, api):
    query = query.format(
        grid1=regions["grid1"].pk, grid2=regions["grid2"].pk, grid3=regions["grid3"].pk,
        leak_ref=mixed["leak"].reference.lower(),
    )  # fmt: skip
    assert ids(api(street_handler).get(f"{LIST}?{query}")) == [mixed[k].pk for k in expected]


def test_the_overdue_filter_compares_the_deadline_with_now(mixed, street_handler, api):
    Dispute.objects.filter(pk=mixed["rent"].pk).update(due_at=timezone.now() - timedelta(hours=1))
    Dispute.objects.filter(pk=mixed["shop"].pk).update(due_at=None)
    overdue = ids(api(street_handler).get(f"{LIST}?overdue=true"))
    assert overdue == [mixed["rent"].pk]
    on_time = ids(api(street_handler).get(f"{LIST}?overdue=false"))
    assert set(on_time) == {mixed[k].pk for k in ("leak", "noise", "shop")}
    row = next(d for d in api(street_handler).get(LIST).json()["results"] if d["id"] == mixed["rent"].pk)
    assert row["overdue"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("state=nonsense", "state"),
        ("grid=abc", "grid"),
        ("grid=0", "grid"),
        ("grid=99999999999999999999", "grid"),  # past 64 bits: not a server error
        ("overdue=perhaps", "overdue"),
        ("q=" + "长" * 201, "q"),
    ],
)
def test_a_malformed_filter_is_invalid_input(query, field, mixed, street_handler, api):
    r = api(street_handler).get(f"{LIST}?{query}")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert field in r.json()["errors"]


def test_following_next_walks_every_visible_dispute_once_in_order(regions, claimant, respondent, api):
    created = many(claimant, regions["grid1"], respondent.phone, 7)
    client = api(claimant)
    seen, pages = [], 0
    url = f"{LIST}?page_size=3"
    while url:
        r = client.get(url)
        seen += ids(r)
        url, pages = r.json()["next"], pages + 1
    assert seen == sorted(d.pk for d in created)[::-1]
    assert pages == 3
    second = client.get(client.get(f"{LIST}?page_size=3").json()["next"])
    back = client.get(second.json()["previous"])
    assert ids(back) == seen[:3]


def test_a_page_size_above_the_maximum_is_capped(regions, claimant, respondent, api):
    many(claimant, regions["grid1"], respondent.phone, 3)
    r = api(claimant).get(f"{LIST}?page_size=100000")
    assert r.status_code == 200 and len(ids(r)) == 3


def test_a_new_dispute_filed_meanwhile_does_not_shift_the_pages(regions, claimant, respondent, api):
    created = many(claimant, regions["grid1"], respondent.phone, 4)
    client = api(claimant)
    first = client.get(f"{LIST}?page_size=2")
    factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="后来的纠纷")
    second = client.get(first.json()["next"])
    assert ids(first) + ids(second) == sorted(d.pk for d in created)[::-1]


@pytest.mark.parametrize("who", ["grid_worker", "street_handler", "claimant", "mediator"])
def test_the_list_makes_the_same_number_of_queries_whatever_the_page_size(
    who, regions, claimant, respondent, grid_worker, mediator, api, cast
):
    disputes = many(claimant, regions["grid1"], respondent.phone, 55)
    for dispute in disputes[::2]:
        services.fire(dispute.pk, "accept", by=grid_worker)
        services.fire(dispute.pk, "escalate", by=grid_worker, payload={"reason": "上报"})
    for dispute in disputes[1:20:4]:  # a mediator's caseload is limited
        services.fire(dispute.pk, "accept", by=grid_worker)
        services.fire(dispute.pk, "respondent_accept", by=respondent)
        services.fire(dispute.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    client = api(cast(who))
    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            r = client.get(f"{LIST}?page_size={size}")
        assert r.status_code == 200
        expected = min(size, len(ids(r)) if size == 50 else size)
        assert len(ids(r)) == expected
        counts[size] = len(queries)
    assert counts[5] == counts[50], counts
    assert counts[50] <= 6, counts
    if who != "mediator":
        assert len(ids(client.get(f"{LIST}?page_size=50"))) == 50
