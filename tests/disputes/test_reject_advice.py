"""A rejection's notice carries intake's referral advice to the claimant, on every channel and
in the claimant's language (docs/features/intake.md)."""

import pytest
from django.test import Client

from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

REASON = "劳动报酬争议不属于人民调解范围"
ADVICE = "请向区劳动人事争议仲裁委员会申请仲裁，电话 12333"


def reject(api, dispute, user, **body):
    return api(user).post(f"/api/v1/disputes/{dispute.pk}/transitions/reject/", body, format="json")


def rows(dispute) -> dict[str, Notification]:
    found = Notification.objects.filter(dispute_id=dispute.pk, kind="reject")
    return {n.channel: n for n in found}


@pytest.mark.parametrize(
    ("language", "title", "says"),
    [
        ("zh-hans", "纠纷未予受理", ["未予受理。理由：" + REASON, "转介建议：" + ADVICE]),
        (
            "en",
            "dispute not accepted",
            ["was not accepted. Reason: " + REASON, "Where to turn instead: " + ADVICE],
        ),
    ],
)
def test_the_claimant_is_told_the_reason_and_where_to_turn_in_their_language(
    api, dispute, claimant, grid_worker, language, title, says
):
    claimant.language = language
    claimant.email = "claimant@example.org"
    claimant.save()
    assert reject(api, dispute, grid_worker, reason=REASON, referral_advice=ADVICE).status_code == 200
    told = rows(dispute)
    assert set(told) == {"in_app", "sms", "email"}
    for row in told.values():
        assert row.user == claimant and row.language == language
        assert row.title.endswith(title)
        for text in says:
            assert text in row.body


def test_the_sms_and_email_as_sent_carry_the_advice(api, dispute, claimant, grid_worker):
    from notifications.delivery import email, sms_text

    claimant.email = "claimant@example.org"
    claimant.save()
    reject(api, dispute, grid_worker, reason=REASON, referral_advice=ADVICE)
    told = rows(dispute)
    assert ADVICE in sms_text(told["sms"])
    assert ADVICE in email(told["email"]).body


def test_without_advice_the_notice_gives_the_reason_alone(api, dispute, claimant, grid_worker):
    assert reject(api, dispute, grid_worker, reason=REASON).status_code == 200
    body = rows(dispute)["in_app"].body
    assert body.endswith("理由：" + REASON) and "建议" not in body


def test_a_claimant_without_an_account_gets_the_advice_by_sms(api, regions, outsider, grid_worker):
    # Filed by the grid worker for a resident with no account: the claimant's phone is reached.
    dispute = factories.file_dispute(outsider, regions["grid1"], "13900001111")
    outsider.phone_verified = False
    outsider.save()
    reject(api, dispute, grid_worker, reason=REASON, referral_advice=ADVICE)
    sms = Notification.objects.get(dispute_id=dispute.pk, kind="reject", channel="sms")
    assert sms.user is None and ADVICE in sms.body


def test_the_page_form_passes_the_advice_on(dispute, claimant, grid_worker):
    browser = Client()
    browser.force_login(grid_worker)
    r = browser.post(
        f"/disputes/{dispute.pk}/transitions/reject/", {"reason": REASON, "referral_advice": ADVICE}
    )
    assert r.status_code == 302
    assert ADVICE in rows(dispute)["in_app"].body


@pytest.mark.parametrize(
    "body", [{"referral_advice": ADVICE}, {"reason": REASON, "referral_advice": "x" * 2001}]
)
def test_bad_input_rejects_nothing_and_tells_nobody(api, dispute, grid_worker, body):
    r = reject(api, dispute, grid_worker, **body)
    assert r.status_code == 400 and r.json()["code"]
    dispute.refresh_from_db()
    assert dispute.state == "filed" and not rows(dispute)


def test_only_the_grid_worker_rejects(api, dispute, claimant, other_grid_worker):
    assert reject(api, dispute, claimant, reason=REASON, referral_advice=ADVICE).status_code == 403
    assert reject(api, dispute, other_grid_worker, reason=REASON, referral_advice=ADVICE).status_code == 404
    assert not rows(dispute)
