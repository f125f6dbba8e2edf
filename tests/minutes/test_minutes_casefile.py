"""Minutes in the case file and in the parties' own-data export: joint sessions in, caucus never."""

from __future__ import annotations

import json

import pytest

from .conftest import CAUCUS_SAID, JOINT_AGREED, JOINT_SAID, caucus_payload, pdf_text, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(recorded, caucus, api, claimant, mediator, code_for):
    """Joint minutes confirmed by the claimant; caucus minutes finalised and confirmed too."""
    code = code_for(claimant, recorded)
    assert api(claimant).post(url(recorded, "confirm/"), {"code": code}, format="json").status_code == 201
    assert (
        api(mediator).put(url(caucus), caucus_payload(claimant, mediator), format="json").status_code == 200
    )
    assert api(mediator).post(url(caucus, "finalise/")).status_code == 200
    return recorded, caucus


def test_the_dossier_has_the_joint_minutes_and_never_the_caucus(both, api, grid_worker, tmp_path):
    from mediation.models import Minutes

    joint, _caucus = both
    response = api(grid_worker).get(f"/api/v1/disputes/{joint.dispute_id}/dossier/")
    assert response.status_code == 200, response.content
    text = pdf_text(response.content, tmp_path)
    assert "调解笔录" in text and JOINT_SAID in text and JOINT_AGREED in text
    assert Minutes.objects.get(session=joint).sha256 in text
    assert "张三（申请人）" in text  # the confirmation
    assert CAUCUS_SAID not in text and "XQ9" not in text and "底线为八百元" not in text


def test_the_export_gives_each_party_their_own_minutes_only(both, client, claimant, respondent):
    client.force_login(respondent)
    theirs = client.get("/api/v1/auth/me/data/")
    assert theirs.status_code == 200
    body = json.dumps(theirs.json(), ensure_ascii=False)
    assert JOINT_SAID in body
    assert CAUCUS_SAID not in body and "XQ9" not in body
    client.force_login(claimant)
    mine = client.get("/api/v1/auth/me/data/").json()
    rooms = sorted(m["room"] for m in mine["session_minutes"])
    assert rooms == ["caucus", "joint"]
    assert any(m["confirmed_by_me"] for m in mine["session_minutes"] if m["room"] == "joint")
