"""Concluding with a referral: where it went is required, recorded, and written into a letter."""

from __future__ import annotations

import pytest

from disputes import hooks
from disputes.models import DisputeEvent

from .conftest import CAUCUS_SECRET, JOINT_LINES, flat, pdf_pages

pytestmark = pytest.mark.django_db

COURT = "杭州市西湖区人民法院"


def conclude(api, user, dispute, **payload):
    return api(user).post(f"/api/v1/disputes/{dispute.pk}/transitions/conclude/", payload, format="json")


def letter_url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/referral-letter/"


@pytest.mark.parametrize("outcome", ["referred_court", "referred_arbitration", "referred_department"])
def test_a_referral_needs_where_it_goes(outcome, handled, street_handler, api, snapshot):
    before = snapshot(handled)
    for payload in ({}, {"referred_to": ""}, {"referred_to": "   "}):
        response = conclude(api, street_handler, handled, outcome=outcome, **payload)
        assert response.status_code == 400
        assert "referred_to" in response.json()["errors"]
    assert snapshot(handled) == before


def test_a_referral_is_recorded_and_the_parties_are_told(handled, street_handler, claimant, respondent, api):
    seen = []
    listen = lambda event, notify: seen.append((event.transition, list(notify)))  # noqa: E731
    hooks.ON_EVENT.append(listen)
    try:
        response = conclude(
            api,
            street_handler,
            handled,
            outcome="referred_court",
            referred_to=COURT,
            note="双方分歧大，建议诉讼",
        )
    finally:
        hooks.ON_EVENT.remove(listen)
    assert response.status_code == 200 and response.json()["state"] == "closed"
    assert response.json()["outcome"] == "referred_court"
    events = list(DisputeEvent.objects.filter(dispute=handled).order_by("-id")[:2])
    sent, concluded = events
    assert concluded.transition == "conclude" and concluded.payload["referred_to"] == COURT
    assert sent.transition == "referral_sent" and sent.actor == street_handler
    assert sent.payload == {"outcome": "referred_court", "referred_to": COURT}
    assert sent.reason == "双方分歧大，建议诉讼"
    assert ("referral_sent", [claimant, respondent]) in seen


def test_other_outcomes_need_no_destination_and_send_no_letter(handled, street_handler, api):
    response = conclude(api, street_handler, handled, outcome="adjudicated", referred_to=COURT, note="已处理")
    assert response.status_code == 200
    assert not DisputeEvent.objects.filter(transition="referral_sent").exists()
    assert "referred_to" not in DisputeEvent.objects.get(transition="conclude").payload
    assert api(street_handler).get(letter_url(handled)).status_code == 404


def test_the_referral_letter_names_the_court_and_carries_the_case_file(
    handled, street_handler, api, tmp_path
):
    conclude(
        api, street_handler, handled, outcome="referred_court", referred_to=COURT, note="双方分歧大，建议诉讼"
    )
    response = api(street_handler).get(letter_url(handled))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content, tmp_path)
    letter = flat(pages[0])
    for expected in ["纠纷移送函", f"致{COURT}", handled.reference, "楼上漏水", "移送人民法院", "双方分歧大，建议诉讼",
                     "双方对赔偿金额分歧过大", "北山街道周街道", "附：案件卷宗"]:  # fmt: skip
        assert expected in letter, expected
    rest = flat("".join(pages[1:]))
    assert "纠纷案件卷宗" in rest and all(line in rest for line in JOINT_LINES)
    assert CAUCUS_SECRET not in flat("".join(pages))
    assert all("下载人：周街道" in flat(page) for page in pages)
    download = DisputeEvent.objects.filter(transition="dossier_downloaded").get()
    assert download.payload["document"] == "referral_letter" and download.actor == street_handler


def test_the_referral_letter_is_for_staff_only(handled, street_handler, claimant, outsider, api):
    conclude(api, street_handler, handled, outcome="referred_arbitration", referred_to="杭州仲裁委员会")
    assert api(claimant).get(letter_url(handled)).status_code == 403
    assert api(outsider).get(letter_url(handled)).status_code == 404


def test_the_referral_letter_of_an_open_case_is_404(handled, street_handler, api):
    assert api(street_handler).get(letter_url(handled)).status_code == 404


def test_the_dispute_page_form_asks_where_it_goes(handled, street_handler, page_as):
    page = page_as(street_handler).get(f"/disputes/{handled.pk}/").content.decode()
    assert 'name="referred_to"' in page


def test_concluding_from_the_case_page(handled, street_handler, page_as, tmp_path):
    client = page_as(street_handler)
    response = client.post(
        f"/cases/{handled.pk}/actions/conclude/",
        {"outcome": "referred_department", "referred_to": "西湖区住建局"},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{handled.pk}/"
    handled.refresh_from_db()
    assert handled.state == "closed" and handled.outcome == "referred_department"
    page = client.get(f"/cases/{handled.pk}/").content.decode()
    assert "西湖区住建局" in page and f"/api/v1/disputes/{handled.pk}/referral-letter/" in page
