"""The settlement through the web pages: proposing, asking for a code, signing, downloading."""

import pytest

from mediation.settlements import agreements as settlements
from tests import factories

pytestmark = pytest.mark.django_db


def page(client, dispute) -> str:
    r = client.get(f"/disputes/{dispute.pk}/")
    assert r.status_code == 200
    return r.content.decode()


def test_a_settlement_is_proposed_signed_and_sealed_through_the_pages(
    dispute, advance, claimant, respondent, mediator, client, outbox, django_capture_on_commit_callbacks
):
    dispute = advance(dispute, "in_mediation")
    client.force_login(mediator)
    html = page(client, dispute)
    assert 'name="terms"' in html and "/transitions/propose_settlement/" in html
    r = client.post(
        f"/disputes/{dispute.pk}/transitions/propose_settlement/",
        {
            "terms": "李四赔偿张三1200元。\n\n双方再无争议。",
            "amount": "1200.00",
            "performance_deadline": "2026-12-31",
        },
    )
    assert r.status_code == 302
    assert settlements.current(dispute).terms == ["李四赔偿张三1200元。", "双方再无争议。"]

    for user in (claimant, respondent, mediator):
        client.force_login(user)
        html = page(client, dispute)
        assert (
            "Send me a signing code" in html or "发送签署验证码" in html or "/settlement/sign-code/" in html
        )
        assert f"/api/v1/disputes/{dispute.pk}/settlement/pdf/" in html
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/disputes/{dispute.pk}/settlement/sign-code/")
        code = outbox.code(user.phone)
        r = client.post(f"/disputes/{dispute.pk}/transitions/sign/", {"agree": "on", "code": code})
        assert r.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == "settled"
    settlement = settlements.latest(dispute)
    html = page(client, dispute)
    assert settlement.sha256 in html and settlement.verification_code in html
    r = client.get(f"/api/v1/disputes/{dispute.pk}/settlement/pdf/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_no_code_button_for_someone_whose_turn_it_is_not(dispute, advance, mediator, grid_worker, client):
    dispute = advance(dispute, "awaiting_signatures")
    for user in (mediator, grid_worker):
        client.force_login(user)
        assert "/settlement/sign-code/" not in page(client, dispute)
        assert f"/api/v1/disputes/{dispute.pk}/settlement/pdf/" in page(client, dispute)


def test_terms_with_html_are_shown_as_text_on_the_page(dispute, advance, mediator, client):
    from disputes import services

    dispute = advance(dispute, "in_mediation")
    services.fire(
        dispute.pk, "propose_settlement", by=mediator, payload={"terms": ["<script>alert(1)</script>"]}
    )
    client.force_login(mediator)
    html = page(client, dispute)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_settled_dispute_offers_the_follow_up_actions_to_the_grid_worker(
    dispute, advance, grid_worker, client
):
    dispute = advance(dispute, "settled")
    client.force_login(grid_worker)
    html = page(client, dispute)
    assert "/transitions/record_fulfilment/" in html and "/transitions/report_breach/" in html
    assert factories.SETTLEMENT["terms"][0] in html
