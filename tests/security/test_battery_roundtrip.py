"""The battery's accepted inputs come back exactly (docs/security.md): rare CJK names (𠀀, 𪚥,
买买提·艾力), 5,000 combining marks, and text that looks like HTML, SQL or a template, through
filing, the dispute's detail, list and events, the chat's history, the settlement's API and
the settlement draft PDF's text (`pdftotext`).
"""

from __future__ import annotations

import subprocess

import pytest
from django.test import Client

from mediation.settlements import agreements

from .hostile import COMBINING

pytestmark = pytest.mark.django_db

RARE = "𠀀𪚥"
UYGHUR = "买买提·艾力"
HTML = '<script>alert("x")</script><b>粗体</b> & &amp;'
SQL = "'; DROP TABLE disputes_dispute; --"
TEMPLATE = "{{ 7|add:7 }}{% debug %}"
TERMS = [
    f"{UYGHUR}赔偿{RARE}维修费人民币1200元。",
    f"条款含{HTML}",
    f"条款含{SQL}与{TEMPLATE}",
]


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "draft.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return "".join(out.split())  # lines wrap where the layout breaks them


@pytest.fixture
def filed(claimant, respondent, regions):
    """A dispute filed through the API by a claimant named 𠀀𪚥 against 买买提·艾力."""
    from disputes.models import Dispute

    claimant.full_name = RARE
    claimant.save(update_fields=["full_name"])
    respondent.full_name = UYGHUR
    respondent.save(update_fields=["full_name"])
    payload = {
        "title": f"{RARE}{HTML}",
        "description": f"{SQL}\n{TEMPLATE}\n{COMBINING}",
        "category": "neighbourhood",
        "grid": regions["grid1"].pk,
        "respondent": {"name": UYGHUR, "phone": respondent.phone},
        "desired_outcome": HTML,
    }
    response = signed_in(claimant).post("/api/v1/disputes/", payload, content_type="application/json")
    assert response.status_code == 201, response.content.decode()
    return Dispute.objects.get(pk=response.json()["id"]), payload


def test_accepted_hostile_text_round_trips_through_the_api(filed, claimant):
    dispute, payload = filed
    client = signed_in(claimant)
    detail = client.get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert detail["title"] == payload["title"]
    assert detail["description"] == payload["description"]
    assert detail["desired_outcome"] == payload["desired_outcome"]
    listed = client.get("/api/v1/disputes/").json()["results"]
    assert [d["title"] for d in listed if d["id"] == dispute.pk] == [payload["title"]]
    found = client.get("/api/v1/disputes/", {"q": RARE}).json()["results"]
    assert [d["id"] for d in found] == [dispute.pk]
    events = client.get(f"/api/v1/disputes/{dispute.pk}/events/").json()
    assert events[0]["transition"] == "file" and events[0]["actor"]["name"] == RARE
    dispute.refresh_from_db()
    assert (dispute.title, dispute.description) == (payload["title"], payload["description"])


def test_accepted_hostile_text_round_trips_through_the_chat_history(filed, advance, claimant):
    from mediation.models import Room

    dispute = advance(filed[0], "in_mediation")
    room = Room.objects.get(dispute=dispute, party="")
    client = signed_in(claimant)
    bodies = [RARE, UYGHUR, HTML, SQL, TEMPLATE, "a" + "\u0301" * 3999, "\u202eevil\u202c\u200d"]
    for n, body in enumerate(bodies):
        response = client.post(
            f"/api/v1/rooms/{room.pk}/messages/",
            {"body": body, "client_msg_id": f"rt-{n}"},
            "application/json",
        )
        assert response.status_code == 201, (body[:20], response.content.decode())
        assert response.json()["body"] == body
    history = client.get(f"/api/v1/rooms/{room.pk}/messages/").json()["results"]
    assert [m["body"] for m in history] == bodies
    assert history[0]["author"]["name"] == RARE


def test_rare_names_and_html_looking_terms_reach_the_settlement_pdf_as_text(
    filed, advance, claimant, mediator, tmp_path
):
    dispute = advance(filed[0], "in_mediation")
    proposal = {"terms": TERMS, "amount": "1200.00", "performance_method": TEMPLATE}
    response = signed_in(mediator).post(
        f"/api/v1/disputes/{dispute.pk}/transitions/propose_settlement/", proposal, "application/json"
    )
    assert response.status_code == 200, response.content.decode()
    client = signed_in(claimant)
    settlement = client.get(f"/api/v1/disputes/{dispute.pk}/settlement/").json()
    assert settlement["terms"] == TERMS and settlement["performance_method"] == TEMPLATE
    assert agreements.latest(dispute).terms == TERMS
    response = client.get(f"/api/v1/disputes/{dispute.pk}/settlement/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for expected in [RARE, UYGHUR, *("".join(t.split()) for t in TERMS), "".join(TEMPLATE.split())]:
        assert expected in text, (expected, text[:2000])
    # The HTML-looking term is text, not markup: its tags are printed, not applied.
    assert '<script>alert("x")</script><b>粗体</b>&&amp;' in text
