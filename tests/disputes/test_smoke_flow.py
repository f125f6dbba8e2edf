import pytest

pytestmark = pytest.mark.django_db


def test_api_walks_a_dispute_from_filing_to_conclusion(
    api, regions, claimant, respondent, grid_worker, mediator, street_handler
):
    body = {
        "title": "噪音扰民", "description": "楼下商铺深夜施工。", "category": "neighbourhood",
        "grid": regions["grid1"].pk, "respondent": {"name": "李四", "phone": respondent.phone},
    }  # fmt: skip
    r = api(claimant).post("/api/v1/disputes/", body, format="json")
    assert r.status_code == 201, r.json()
    d = r.json()
    assert d["state"] == "filed" and d["reference"].startswith("TJ-")
    url = f"/api/v1/disputes/{d['id']}/"
    assert api(respondent).get(url).status_code == 404
    assert api(grid_worker).get(url).json()["available_transitions"] == ["accept", "escalate", "reject"]
    steps = [
        (grid_worker, "accept", {}, "awaiting_response"),
        (respondent, "respondent_accept", {}, "awaiting_mediator"),
        (grid_worker, "assign_mediator", {"mediator": mediator.pk}, "mediator_assigned"),
        (mediator, "mediator_accept", {}, "in_mediation"),
        (mediator, "fail_mediation", {"reason": "双方分歧较大"}, "escalated"),
        (street_handler, "take_case", {}, "case_handling"),
        (
            street_handler,
            "conclude",
            {"outcome": "referred_court", "referred_to": "西湖区人民法院", "note": "建议诉讼"},
            "closed",
        ),
    ]
    for user, name, payload, state in steps:
        r = api(user).post(f"{url}transitions/{name}/", payload, format="json")
        assert r.status_code == 200, (name, r.json())
        assert r.json()["state"] == state
    events = api(claimant).get(f"{url}events/").json()
    assert [e["transition"] for e in events] == ["file"] + [s[1] for s in steps] + ["referral_sent"]
    assert events[0]["from_state"] is None
