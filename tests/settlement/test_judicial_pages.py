"""Judicial confirmation on the dispute page: start, co-sign with a code, download, the court's answer."""

import pytest

from mediation.models import JudicialApplication

pytestmark = pytest.mark.django_db


def page(client, dispute) -> str:
    r = client.get(f"/disputes/{dispute.pk}/")
    assert r.status_code == 200
    return r.content.decode()


def base(dispute) -> str:
    return f"/mediation/disputes/{dispute.pk}/judicial/"


def sign_on_page(client, user, dispute, outbox, capture):
    client.force_login(user)
    html = page(client, dispute)
    assert base(dispute) + "sign/" in html and 'name="agree"' in html
    with capture(execute=True):
        assert client.post(base(dispute) + "sign-code/").status_code == 302
    r = client.post(base(dispute) + "sign/", {"agree": "on", "code": outbox.code(user.phone)})
    assert r.status_code == 302 and r["Location"].endswith("#judicial")


def test_the_joint_application_through_the_pages(
    dispute, advance, claimant, respondent, grid_worker, client, outbox, django_capture_on_commit_callbacks
):
    dispute = advance(dispute, "settled")
    client.force_login(claimant)
    html = page(client, dispute)
    assert 'id="judicial"' in html and base(dispute) + "start/" in html
    assert client.post(base(dispute) + "start/").status_code == 302
    application = JudicialApplication.objects.get(dispute=dispute)
    assert application.initiator_role == "claimant"
    # The respondent sees the application but signs after the claimant.
    client.force_login(respondent)
    html = page(client, dispute)
    assert base(dispute) + "start/" not in html and base(dispute) + "sign/" not in html

    sign_on_page(client, claimant, dispute, outbox, django_capture_on_commit_callbacks)
    sign_on_page(client, respondent, dispute, outbox, django_capture_on_commit_callbacks)
    application.refresh_from_db()
    assert application.status == "ready"
    html = page(client, dispute)
    assert application.sha256 in html and f"/api/v1/disputes/{dispute.pk}/judicial/pdf/" in html
    assert base(dispute) + "outcome/" not in html  # parties do not record the court's answer

    client.force_login(grid_worker)
    html = page(client, dispute)
    assert base(dispute) + "outcome/" in html
    client.post(base(dispute) + "outcome/", {"confirmed": "yes", "note": "（2026）浙0106民特1号"})
    application.refresh_from_db()
    assert application.status == "confirmed"
    assert "（2026）浙0106民特1号" in page(client, dispute)


def test_signing_without_the_tick_signs_nothing(dispute, advance, claimant, client, outbox):
    from mediation.settlements import judicial
    from tests.settlement.test_judicial import judicial_code

    dispute = advance(dispute, "settled")
    judicial.start(dispute, claimant)
    application = JudicialApplication.objects.get(dispute=dispute)
    client.force_login(claimant)
    code = judicial_code(claimant, application)
    client.post(base(dispute) + "sign/", {"code": code})
    assert not application.signatures.exists()
    client.post(base(dispute) + "sign/", {"agree": "on", "code": code})
    assert application.signatures.count() == 1


def test_an_outsider_gets_404_from_the_page_actions(dispute, advance, outsider, client):
    dispute = advance(dispute, "settled")
    client.force_login(outsider)
    for tail in ("start/", "sign-code/", "sign/", "outcome/"):
        assert client.post(base(dispute) + tail).status_code == 404
    assert not JudicialApplication.objects.exists()


def test_the_panel_speaks_english_too(dispute, advance, claimant, client):
    dispute = advance(dispute, "settled")
    client.force_login(claimant)
    client.cookies["django_language"] = "en"
    html = page(client, dispute)
    assert "Judicial confirmation" in html and "Apply for judicial confirmation" in html


def test_no_panel_before_the_agreement_takes_effect(dispute, advance, claimant, client):
    dispute = advance(dispute, "awaiting_signatures")
    client.force_login(claimant)
    assert 'id="judicial"' not in page(client, dispute)
