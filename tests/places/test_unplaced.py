"""Filing without knowing the grid, and the street's intake setting it (docs/features/places.md)."""

import pytest

from accounts.models import Region
from disputes.models import Dispute, DisputeEvent, Tally
from tests import factories

pytestmark = pytest.mark.django_db

FILING = {
    "title": "楼上漏水",
    "description": "楼上卫生间漏水导致我家天花板损坏。",
    "category": "neighbourhood",
    "respondent": {"name": "李四", "phone": "13912345678"},
}


@pytest.fixture
def unplaced(api, claimant, regions):
    response = api(claimant).post(
        "/api/v1/disputes/", {**FILING, "street": regions["street1"].pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    return Dispute.objects.get(pk=response.json()["id"])


@pytest.fixture
def grid2_worker(regions):
    return factories.staff("grid_worker", regions["grid2"], username="grid2_worker")


def test_filing_with_a_place_sets_the_place_and_its_grid(api, claimant, places, regions):
    response = api(claimant).post(
        "/api/v1/disputes/", {**FILING, "place": places["baoshi"].pk}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["grid"]["id"] == regions["grid2"].pk and body["placed"] is True
    assert body["place"] == {"id": places["baoshi"].pk, "name": "宝石山庄"}


def test_filing_with_a_grid_still_works(api, claimant, regions):
    response = api(claimant).post("/api/v1/disputes/", {**FILING, "grid": regions["grid1"].pk}, format="json")
    assert response.status_code == 201 and response.json()["grid"]["kind"] == "grid"


@pytest.mark.parametrize("where", [{}, {"grid": "G1", "street": "S1"}, {"place": "P", "grid": "G1"}])
def test_exactly_one_of_grid_place_street(api, claimant, regions, places, where):
    ids = {"G1": regions["grid1"].pk, "S1": regions["street1"].pk, "P": places["yile"].pk}
    body = {**FILING, **{k: ids[v] for k, v in where.items()}}
    response = api(claimant).post("/api/v1/disputes/", body, format="json")
    assert response.status_code == 400 and "grid" in response.json()["errors"]
    assert not Dispute.objects.exists()


def test_street_must_be_a_street(api, claimant, regions):
    response = api(claimant).post(
        "/api/v1/disputes/", {**FILING, "street": regions["community1"].pk}, format="json"
    )
    assert response.status_code == 400 and "street" in response.json()["errors"]


def test_unplaced_dispute_sits_with_the_street(api, unplaced, regions):
    assert unplaced.grid == regions["street1"] and not unplaced.is_placed()
    body = api(unplaced.filed_by).get(f"/api/v1/disputes/{unplaced.pk}/").json()
    assert body["placed"] is False and body["grid"]["kind"] == "street"


def test_grid_workers_of_the_street_see_it_in_their_queue_others_not(
    api, unplaced, grid_worker, grid2_worker, other_grid_worker, street_handler
):
    for worker in (grid_worker, grid2_worker):
        queue = api(worker).get("/api/v1/queue/").json()["results"]
        assert [d["id"] for d in queue] == [unplaced.pk]
        assert api(worker).get(f"/api/v1/disputes/{unplaced.pk}/").status_code == 200
    assert api(street_handler).get(f"/api/v1/disputes/{unplaced.pk}/").status_code == 200
    # a grid worker of another street neither sees it listed nor opens it
    assert api(other_grid_worker).get("/api/v1/queue/").json()["results"] == []
    assert api(other_grid_worker).get(f"/api/v1/disputes/{unplaced.pk}/").status_code == 404


def test_the_street_intake_is_told_of_the_filing(grid_worker, grid2_worker, other_grid_worker, unplaced):
    from notifications.models import Notification

    told = set(Notification.objects.filter(kind="file").values_list("user_id", flat=True))
    assert {grid_worker.pk, grid2_worker.pk} <= told and other_grid_worker.pk not in told


def test_accept_of_an_unplaced_dispute_is_409(api, unplaced, grid_worker):
    assert (
        "accept"
        not in api(grid_worker).get(f"/api/v1/disputes/{unplaced.pk}/").json()["available_transitions"]
    )
    response = api(grid_worker).post(f"/api/v1/disputes/{unplaced.pk}/transitions/accept/", {}, format="json")
    assert response.status_code == 409 and "请先设置网格" in response.json()["detail"]
    unplaced.refresh_from_db()
    assert unplaced.state == "filed"


def test_set_grid_by_a_worker_of_the_street(api, unplaced, grid_worker, grid2_worker, regions):
    response = api(grid2_worker).post(f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": regions["grid1"].pk})
    assert response.status_code == 200
    assert response.json()["grid"]["id"] == regions["grid1"].pk and response.json()["placed"] is True
    events = api(grid_worker).get(f"/api/v1/disputes/{unplaced.pk}/events/").json()
    line = events[-1]
    assert line["transition"] == "set_grid" and line["actor"]["id"] == grid2_worker.pk
    assert line["payload"]["grid"] == regions["grid1"].pk and line["payload"]["from"] == regions["street1"].pk
    # now it is grid1's alone, and its intake accepts it as usual
    assert api(grid2_worker).get(f"/api/v1/disputes/{unplaced.pk}/").status_code == 404
    accept = api(grid_worker).post(f"/api/v1/disputes/{unplaced.pk}/transitions/accept/", {}, format="json")
    assert accept.status_code == 200 and accept.json()["state"] == "awaiting_response"


def test_set_grid_moves_the_cockpit_tally(api, unplaced, grid_worker, regions):
    def count(region):
        return sum(Tally.objects.filter(grid_id=region.pk, state="filed").values_list("n", flat=True))

    assert (count(regions["street1"]), count(regions["grid1"])) == (1, 0)
    api(grid_worker).post(f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": regions["grid1"].pk})
    assert (count(regions["street1"]), count(regions["grid1"])) == (0, 1)


def test_set_grid_by_a_worker_of_another_street_is_404(api, unplaced, other_grid_worker, regions):
    response = api(other_grid_worker).post(
        f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": regions["grid3"].pk}
    )
    assert response.status_code == 404


def test_set_grid_by_the_claimant_is_403(api, unplaced, regions):
    response = api(unplaced.filed_by).post(
        f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": regions["grid1"].pk}
    )
    assert response.status_code == 403
    unplaced.refresh_from_db()
    assert unplaced.grid == regions["street1"]


@pytest.mark.parametrize("grid", ["grid3", "community1", "street1", "nope"])
def test_set_grid_outside_the_street_or_not_a_grid_is_400(api, unplaced, grid_worker, regions, grid):
    value = regions[grid].pk if grid in regions else "x"
    response = api(grid_worker).post(f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": value})
    assert response.status_code == 400 and "grid" in response.json()["errors"]
    unplaced.refresh_from_db()
    assert unplaced.grid == regions["street1"]
    assert not DisputeEvent.objects.filter(dispute=unplaced, transition="set_grid").exists()


def test_set_grid_in_a_wrong_state_is_409(api, unplaced, grid_worker, regions):
    api(grid_worker).post(
        f"/api/v1/disputes/{unplaced.pk}/transitions/reject/", {"reason": "重复"}, format="json"
    )
    response = api(grid_worker).post(f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": regions["grid1"].pk})
    assert response.status_code == 409


def test_street_handler_may_set_the_grid(api, unplaced, street_handler, regions):
    response = api(street_handler).post(
        f"/api/v1/disputes/{unplaced.pk}/grid/", {"grid": regions["grid2"].pk}
    )
    assert response.status_code == 200


def test_worker_of_a_placed_dispute_may_move_it_within_the_street(api, dispute, grid_worker, regions):
    response = api(grid_worker).post(f"/api/v1/disputes/{dispute.pk}/grid/", {"grid": regions["grid2"].pk})
    assert response.status_code == 200
    assert Region.objects.get(pk=response.json()["grid"]["id"]) == regions["grid2"]
