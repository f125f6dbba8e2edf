"""Minutes over the API: recording, the PDF, confirmation by SMS code, who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import PhoneCode
from mediation.models import Minutes, MinutesConfirmation, Session
from notifications.models import Notification

from .conftest import (
    CAUCUS_SAID,
    JOINT_AGREED,
    JOINT_SAID,
    caucus_payload,
    joint_payload,
    make_session,
    pdf_fonts,
    pdf_text,
    url,
)

pytestmark = pytest.mark.django_db


def test_the_mediator_records_minutes_and_the_session_is_held(joint, api, claimant, respondent, mediator):
    response = api(mediator).put(url(joint), joint_payload(claimant, respondent, mediator), format="json")
    assert response.status_code == 200, response.content
    body = response.json()["minutes"]
    assert body["version"] == 1 and body["finalised_at"] is None
    assert [s["side"] for s in body["statements"]] == ["claimant", "respondent", "other"]
    assert body["statements"][0]["speaker"] == claimant.display_name
    joint.refresh_from_db()
    assert joint.status == Session.Status.HELD
    # Attendees read it; the draft can be edited freely (still version 1).
    assert api(claimant).get(url(joint)).json()["minutes"]["agreed"] == JOINT_AGREED
    again = api(mediator).put(
        url(joint), {**joint_payload(claimant, respondent, mediator), "agreed": "改"}, format="json"
    )
    assert again.json()["minutes"]["version"] == 1


def test_the_finalised_pdf_states_the_session_and_embeds_a_chinese_font(
    recorded, api, claimant, mediator, tmp_path
):
    response = api(claimant).get(url(recorded, "pdf/"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for expected in [
        "调解笔录", recorded.dispute.reference, "社区调解室", "张三", "李四", "钱调解", "赵翻译",
        "天花板漏水已三个月", JOINT_SAID, JOINT_AGREED, "已如实翻译",
    ]:  # fmt: skip
        assert expected in text, expected
    fonts = pdf_fonts(response.content, tmp_path)
    cjk = [
        row.split()
        for row in fonts.splitlines()[2:]
        if row.split()[0].split("+")[-1].startswith(("TJ-Sans-SC", "NotoSansCJK"))
    ]
    assert cjk and all(row[-5] == "yes" for row in cjk), fonts
    minutes = Minutes.objects.get(session=recorded)
    import hashlib

    assert hashlib.sha256(response.content).hexdigest() == minutes.sha256
    assert [h["why"] for h in minutes.history] == ["finalised"]


def test_a_party_present_confirms_with_the_sms_code(recorded, api, claimant, mediator, code_for, tmp_path):
    code = code_for(claimant, recorded)
    wrong = "000000" if code != "000000" else "111111"
    refused = api(claimant).post(url(recorded, "confirm/"), {"code": wrong}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"]["code"]
    before = Minutes.objects.get(session=recorded).sha256
    ok = api(claimant).post(url(recorded, "confirm/"), {"code": code}, format="json")
    assert ok.status_code == 201, ok.content
    minutes = Minutes.objects.get(session=recorded)
    assert minutes.sha256 != before and [h["why"] for h in minutes.history] == ["finalised", "confirmed"]
    assert MinutesConfirmation.objects.filter(minutes=minutes, user=claimant, version=1).count() == 1
    # The PDF now names who confirmed.
    text = pdf_text(api(mediator).get(url(recorded, "pdf/")).content, tmp_path)
    assert "张三" in text and "短信验证码" in text
    # The code is spent, and confirming twice is refused.
    again = api(claimant).post(url(recorded, "confirm/"), {"code": code}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_confirmed"
    # The mediator was told; the notice never quotes the minutes.
    notice = Notification.objects.filter(user=mediator, kind="minutes_confirmed", channel="in_app").get()
    assert JOINT_SAID not in notice.body


def test_an_expired_or_reused_code_is_refused(recorded, api, respondent, code_for):
    code = code_for(respondent, recorded)
    PhoneCode.objects.filter(purpose="sign", used_at=None).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = api(respondent).post(url(recorded, "confirm/"), {"code": code}, format="json")
    assert expired.status_code == 400
    # A used code (here: consumed) does not work again either.
    PhoneCode.objects.filter(purpose="sign").update(
        expires_at=timezone.now() + timedelta(minutes=5), used_at=timezone.now()
    )
    assert api(respondent).post(url(recorded, "confirm/"), {"code": code}, format="json").status_code == 400
    assert not MinutesConfirmation.objects.exists()


def test_a_code_for_one_version_never_confirms_the_next(
    recorded, api, claimant, respondent, mediator, code_for
):
    code = code_for(respondent, recorded)
    payload = {**joint_payload(claimant, respondent, mediator), "agreed": "修改后的共识"}
    edited = api(mediator).put(url(recorded), payload, format="json").json()["minutes"]
    assert edited["version"] == 2 and edited["finalised_at"] is None
    # Not finalised: nothing to confirm.
    assert api(respondent).post(url(recorded, "confirm/"), {"code": code}, format="json").status_code == 409
    api(mediator).post(url(recorded, "finalise/"))
    assert api(respondent).post(url(recorded, "confirm/"), {"code": code}, format="json").status_code == 400


def test_an_edit_after_confirmation_voids_it_and_keeps_every_hash(
    recorded, api, claimant, respondent, mediator, code_for
):
    code = code_for(claimant, recorded)
    assert api(claimant).post(url(recorded, "confirm/"), {"code": code}, format="json").status_code == 201
    api(mediator).put(
        url(recorded), {**joint_payload(claimant, respondent, mediator), "agreed": "新"}, format="json"
    )
    api(mediator).post(url(recorded, "finalise/"))
    body = api(mediator).get(url(recorded)).json()["minutes"]
    assert body["version"] == 2 and body["confirmations"] == []
    assert sorted(body["awaiting"]) == sorted([claimant.pk, respondent.pk])
    assert [(h["version"], h["why"]) for h in body["history"]] == [
        (1, "finalised"),
        (1, "confirmed"),
        (2, "finalised"),
    ]
    assert MinutesConfirmation.objects.filter(version=1).count() == 1  # kept on record


def test_finalising_tells_the_parties_present(recorded, claimant, respondent):
    for user in (claimant, respondent):
        notice = Notification.objects.get(user=user, kind="minutes_ready", channel="in_app")
        assert JOINT_SAID not in notice.body and notice.link == f"/sessions/{recorded.pk}/minutes/"


def test_who_sees_a_joint_sessions_minutes(recorded, api, cast, outsider, mediating, claimant, mediator):
    for role, status in [
        ("claimant", 200), ("respondent", 200), ("mediator", 200), ("grid_worker", 200),
        ("outsider", 404), ("other_grid_worker", 404), ("other_mediator", 404),
    ]:  # fmt: skip
        assert api(cast(role)).get(url(recorded)).status_code == status, role
    assert api().get(url(recorded)).status_code == 401
    # A party who did not attend (invited or present) does not see it.
    absent = make_session(mediating, "joint", [claimant, mediator])
    assert api(cast("respondent")).get(url(absent)).status_code == 404
    # Staff read but never write or confirm.
    grid_worker = cast("grid_worker")
    assert api(grid_worker).put(url(recorded), {}, format="json").status_code == 403
    assert api(grid_worker).post(url(recorded, "confirm-code/")).status_code == 403
    assert api(outsider).post(url(recorded, "confirm/"), {"code": "123456"}, format="json").status_code == 404
    assert api(claimant).put(url(recorded), {}, format="json").status_code == 403
    assert api(claimant).post(url(recorded, "finalise/")).status_code == 403


def test_a_caucus_is_invisible_to_the_other_party_and_to_staff(
    caucus, api, cast, claimant, mediator, code_for
):
    assert (
        api(mediator).put(url(caucus), caucus_payload(claimant, mediator), format="json").status_code == 200
    )
    assert api(mediator).post(url(caucus, "finalise/")).status_code == 200
    for role in ("respondent", "grid_worker", "street_handler", "outsider"):
        user = cast(role)
        for method, tail in (("get", ""), ("get", "pdf/"), ("post", "confirm-code/"), ("post", "confirm/")):
            assert getattr(api(user), method)(url(caucus, tail)).status_code == 404, (role, tail)
    assert not Notification.objects.filter(user=cast("respondent"), kind__startswith="minutes").exists()
    assert CAUCUS_SAID in api(claimant).get(url(caucus)).json()["minutes"]["statements"][0]["text"]
    code = code_for(claimant, caucus)
    assert api(claimant).post(url(caucus, "confirm/"), {"code": code}, format="json").status_code == 201


def test_the_wrong_moments_are_refused(joint, api, claimant, respondent, mediator, mediating):
    payload = joint_payload(claimant, respondent, mediator)
    assert api(mediator).post(url(joint, "finalise/")).status_code == 409  # nothing recorded
    future = make_session(mediating, "joint", [claimant, mediator], ago=-24)
    answer = api(mediator).put(url(future), payload, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "not_started"
    Session.objects.filter(pk=joint.pk).update(status=Session.Status.CANCELLED)
    answer = api(mediator).put(url(joint), payload, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "session_cancelled"
    assert not Minutes.objects.exists()


def test_finished_disputes_take_no_minutes(joint, api, claimant, respondent, mediator):
    from disputes.models import Dispute

    Dispute.objects.filter(pk=joint.dispute_id).update(
        state=Dispute.State.SETTLED
    )  # mediator still in charge
    answer = api(mediator).put(url(joint), joint_payload(claimant, respondent, mediator), format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "wrong_state"


def test_finalising_twice_and_confirming_drafts_are_refused(recorded, api, claimant, mediator):
    assert api(mediator).post(url(recorded, "finalise/")).json()["code"] == "already_finalised"


@pytest.mark.parametrize(
    "change",
    [
        {"present": "all"},
        {"present": [True]},
        {"statements": "他说了很多"},
        {"statements": [{"speaker_id": None, "side": "judge", "speaker": "某人", "text": "x"}]},
        {"statements": [{"speaker": "", "side": "other", "text": "x"}]},
        {"statements": [{"speaker": "某人", "side": "other", "text": ""}]},
        {"statements": [{"speaker": "某人", "side": "other", "text": "长" * 5001}]},
        {"agreed": ["a"]},
        {"others": [{"name": "x" * 101}]},
        {"statements": [{"speaker": "某人", "side": "other", "text": "长" * 5000}] * 13},
    ],
)
def test_malformed_minutes_are_refused(joint, api, claimant, respondent, mediator, change):
    answer = api(mediator).put(
        url(joint), {**joint_payload(claimant, respondent, mediator), **change}, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert not Minutes.objects.exists()


def test_only_room_members_are_present_and_speak(caucus, api, claimant, respondent, mediator, outsider):
    for present, speaker in [([respondent.pk], None), ([outsider.pk], None), ([claimant.pk], respondent.pk)]:
        payload = {"present": present, "statements": [{"speaker_id": speaker or claimant.pk, "text": "x"}]}
        assert api(mediator).put(url(caucus), payload, format="json").status_code == 400


def test_an_english_dispute_gets_english_labels(joint, api, claimant, respondent, mediator, tmp_path):
    from disputes.models import Dispute

    Dispute.objects.filter(pk=joint.dispute_id).update(language="en")
    api(mediator).put(url(joint), joint_payload(claimant, respondent, mediator), format="json")
    response = api(mediator).get(url(joint, "pdf/"))
    text = pdf_text(response.content, tmp_path)
    assert "Minutesofmediationsession" in text and "Whatwasagreed" in text and JOINT_SAID in text
    assert "-draft.pdf" in response["Content-Disposition"]  # not finalised: a watermarked draft
    assert not Minutes.objects.get(session=joint).pdf  # and never stored
