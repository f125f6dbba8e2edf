"""The minutes page and the panel the session page includes (no-JS forms)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from mediation.models import Minutes, MinutesConfirmation

from .conftest import CAUCUS_SAID, JOINT_SAID

pytestmark = pytest.mark.django_db


def page(session) -> str:
    return f"/sessions/{session.pk}/minutes/"


def test_the_mediator_records_and_finalises_through_the_forms(joint, client, mediator, claimant, respondent):
    client.force_login(mediator)
    html = client.get(page(joint)).content.decode()
    assert 'name="text"' in html
    form = {
        "present": [str(claimant.pk), str(respondent.pk)],
        "others": "赵翻译, 翻译\n",
        "speaker": [str(respondent.pk), "other", str(claimant.pk)],
        "speaker_name": ["", "赵翻译", ""],
        "side": ["other", "other", "other"],
        "text": [JOINT_SAID, "已如实翻译", ""],
        "agreed": "七日内查看现场",
    }
    assert client.post(page(joint), form).status_code == 302
    minutes = Minutes.objects.get(session=joint)
    assert [s["speaker"] for s in minutes.statements] == [respondent.display_name, "赵翻译"]
    assert minutes.others == [{"name": "赵翻译", "capacity": "翻译"}]
    assert client.post(page(joint) + "finalise/").status_code == 302
    minutes.refresh_from_db()
    assert minutes.finalised_at is not None and minutes.sha256


def test_a_party_confirms_through_the_forms(
    recorded, client, claimant, outbox, django_capture_on_commit_callbacks
):
    client.force_login(claimant)
    html = client.get(page(recorded)).content.decode()
    assert JOINT_SAID in html and 'name="code"' in html and 'name="text"' not in html
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page(recorded) + "confirm-code/").status_code == 302
    assert client.post(page(recorded) + "confirm/", {"code": "xx"}).status_code == 302
    assert not MinutesConfirmation.objects.exists()
    response = client.post(page(recorded) + "confirm/", {"code": outbox.code(claimant.phone)}, follow=True)
    assert response.status_code == 200
    assert MinutesConfirmation.objects.filter(user=claimant).exists()
    assert 'name="code"' not in response.content.decode()  # nothing left to confirm


def test_the_other_party_never_sees_a_caucus_page(
    caucus, client, respondent, grid_worker, claimant, mediator
):
    from mediation.minutes import records

    from .conftest import caucus_payload

    records.record(caucus, mediator, caucus_payload(claimant, mediator))
    for user in (respondent, grid_worker):
        client.force_login(user)
        assert client.get(page(caucus)).status_code == 404
        assert client.post(page(caucus) + "confirm-code/").status_code == 404
    client.force_login(claimant)
    assert CAUCUS_SAID in client.get(page(caucus)).content.decode()


def test_a_redirect_goes_back_to_the_session_page_only(recorded, client, mediator):
    client.force_login(mediator)
    away = client.post(page(recorded) + "finalise/", {"next": "https://evil.example/"})
    assert away["Location"] == page(recorded)
    back = client.post(page(recorded) + "finalise/", {"next": f"/sessions/{recorded.pk}/"})
    assert back["Location"] == f"/sessions/{recorded.pk}/"


def test_the_session_page_include_shows_the_panel_to_readers_only(recorded, claimant, outsider):
    from django.contrib.auth.models import AnonymousUser

    for user, shown in ((claimant, True), (outsider, False), (AnonymousUser(), False)):
        request = RequestFactory().get(f"/sessions/{recorded.pk}/")
        request.user = user
        html = render_to_string("mediation/sessions/_minutes.html", {"session": recorded}, request=request)
        assert (JOINT_SAID in html) is shown
        if shown:
            assert 'name="next"' in html  # the forms come back to the session page
