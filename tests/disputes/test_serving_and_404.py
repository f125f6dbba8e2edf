import pytest

from disputes import services

pytestmark = pytest.mark.django_db


def test_unmatched_api_paths_answer_json_404(api, claimant):
    r = api(claimant).get("/api/v1/disputes/abc/")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not found.", "code": "not_found"}


def test_returning_to_mediation_serves_a_respondent_escalated_past_intake(
    api, dispute, grid_worker, street_handler, respondent
):
    services.fire(dispute.pk, "escalate", by=grid_worker, payload={"reason": "紧急"})
    services.fire(dispute.pk, "take_case", by=street_handler)
    assert api(respondent).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    services.fire(dispute.pk, "return_to_mediation", by=street_handler, payload={"reason": "可以调解"})
    body = api(respondent).get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert body["state"] == "awaiting_mediator" and body["level"] == 1
