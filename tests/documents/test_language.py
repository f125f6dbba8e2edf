"""The dispute's language: chosen at filing, changed by the staff in charge until a settlement is
proposed, and the language of its agreement, judicial application, case file and referral letter."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from disputes import services
from disputes.models import Dispute, DisputeEvent
from mediation.casefile import dossier
from mediation.models import JudicialApplication
from mediation.settlements import agreements, judicial, pdf
from tests import factories

from . import golden

pytestmark = pytest.mark.django_db

# Labels of the Chinese documents that no name, title or term in these tests contains.
CHINESE_AGREEMENT = ["人民调解协议书", "当事人", "被申请人", "纠纷主要事实", "经调解", "涉及金额", "履行方式",
                     "履行期限", "电子签名", "电子印章", "验证码", "生成时间", "签署"]  # fmt: skip
CHINESE_APPLICATION = ["司法确认申请书", "请求事项", "事实与理由", "申请人声明", "申请人签署", "生效日期",
                       "验证码", "申请期限"]  # fmt: skip
CHINESE_CASE_FILE = [
    "纠纷案件卷宗",
    "案件概要",
    "案件编号",
    "办理经过",
    "证据材料",
    "下载人",
    "调解协议历次版本",
]
CHINESE_LETTER = ["纠纷移送函", "移送单位", "移送理由", "附：案件卷宗", "移送人民法院"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def flat(text: str) -> str:
    return "".join(text.split())


def in_english(dispute: Dispute) -> Dispute:
    dispute.language = "en"
    dispute.save(update_fields=["language"])
    return dispute


def body(regions, respondent, **extra) -> dict:
    return {
        "title": "噪音扰民", "description": "楼下商铺深夜施工。", "category": "neighbourhood",
        "grid": regions["grid1"].pk, "respondent": {"name": "李四", "phone": respondent.phone}, **extra,
    }  # fmt: skip


# --- filing -----------------------------------------------------------------------------------------
def test_filing_through_the_api_takes_the_language(regions, claimant, respondent, api):
    r = api(claimant).post("/api/v1/disputes/", body(regions, respondent, language="en"), format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["language"] == "en"
    assert api(claimant).get(f"/api/v1/disputes/{r.json()['id']}/").json()["language"] == "en"
    assert Dispute.objects.get(pk=r.json()["id"]).language == "en"


def test_filing_without_a_language_is_chinese(regions, claimant, respondent, api):
    r = api(claimant).post("/api/v1/disputes/", body(regions, respondent), format="json")
    assert r.status_code == 201 and r.json()["language"] == "zh-hans"


@pytest.mark.parametrize("bad", ["fr", "EN", "zh", "", None, 1, ["en"]])
def test_filing_with_another_language_is_400(bad, regions, claimant, respondent, api):
    r = api(claimant).post("/api/v1/disputes/", body(regions, respondent, language=bad), format="json")
    assert r.status_code == 400 and "language" in r.json()["errors"]
    assert not Dispute.objects.exists()


def test_the_filing_page_preselects_the_page_language(regions, claimant):
    client = Client()
    client.force_login(claimant)
    client.cookies["django_language"] = "en"
    page = client.get("/disputes/new/").content.decode()
    assert 'name="language"' in page and '<option value="en" selected>' in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/disputes/new/").content.decode()
    assert '<option value="zh-hans" selected>' in page


def test_a_grid_worker_files_for_a_resident_in_english(regions, grid_worker, respondent):
    from disputes.models import Category

    client = Client()
    client.force_login(grid_worker)
    response = client.post("/disputes/new/", {
        "title": "噪音扰民", "description": "楼下商铺深夜施工。", "category": Category.objects.get(slug="neighbourhood").pk,
        "grid": regions["grid1"].pk, "respondent_name": "李四", "respondent_phone": respondent.phone,
        "claimant_name": "王五", "claimant_phone": "13800009999", "language": "en",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dispute.objects.get().language == "en"


# --- changing it -------------------------------------------------------------------------------------
def url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/language/"


@pytest.mark.parametrize("who", ["mediator", "grid_worker"])
def test_the_staff_in_charge_change_it_and_the_timeline_says_so(who, dispute, advance, cast, api):
    dispute = advance(dispute, "in_mediation")
    user = cast(who)
    r = api(user).post(url(dispute), {"language": "en"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["language"] == "en" and r.json()["reference"] == dispute.reference
    event = DisputeEvent.objects.get(dispute=dispute, transition="language_changed")
    assert event.actor == user and event.payload == {"from": "zh-hans", "to": "en"}
    assert event.from_state == event.to_state == "in_mediation"


def test_the_case_handler_in_charge_changes_it(dispute, advance, street_handler, api):
    dispute = advance(dispute, "case_handling")
    r = api(street_handler).post(url(dispute), {"language": "en"}, format="json")
    assert r.status_code == 200 and r.json()["language"] == "en"


@pytest.mark.parametrize("who", ["claimant", "respondent"])
def test_the_parties_may_not(who, dispute, advance, cast, api, snapshot):
    dispute = advance(dispute, "in_mediation")
    before = snapshot(dispute)
    r = api(cast(who)).post(url(dispute), {"language": "en"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert snapshot(dispute) == before


@pytest.mark.parametrize("who", ["outsider", "other_grid_worker", "other_mediator"])
def test_others_do_not_see_it(who, dispute, advance, cast, api, snapshot):
    dispute = advance(dispute, "in_mediation")
    before = snapshot(dispute)
    assert api(cast(who)).post(url(dispute), {"language": "en"}, format="json").status_code == 404
    assert api().post(url(dispute), {"language": "en"}, format="json").status_code == 401
    assert snapshot(dispute) == before


@pytest.mark.parametrize("bad", [{"language": "fr"}, {"language": ""}, {}, {"language": ["en"]}])
def test_a_bad_value_is_400(bad, dispute, advance, mediator, api, snapshot):
    dispute = advance(dispute, "in_mediation")
    before = snapshot(dispute)
    r = api(mediator).post(url(dispute), bad, format="json")
    assert r.status_code == 400 and "language" in r.json()["errors"]
    assert snapshot(dispute) == before


def test_once_a_settlement_is_proposed_it_is_409(dispute, advance, mediator, respondent, api, snapshot):
    dispute = advance(dispute, "awaiting_signatures")
    before = snapshot(dispute)
    assert api(mediator).post(url(dispute), {"language": "en"}, format="json").status_code == 409
    assert snapshot(dispute) == before
    # Declined: mediation resumes, but a version exists in its language.
    services.fire(dispute.pk, "decline_settlement", by=respondent, payload={"reason": "金额太高"})
    r = api(mediator).post(url(dispute), {"language": "en"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "conflict"


def test_the_dispute_page_shows_it_and_offers_the_form_to_staff_only(dispute, advance, mediator, claimant):
    dispute = advance(dispute, "in_mediation")
    staff, party = Client(), Client()
    staff.force_login(mediator)
    party.force_login(claimant)
    page = staff.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'id="document-language"' in page and f'action="/disputes/{dispute.pk}/language/"' in page
    assert 'id="document-language"' in (p := party.get(f"/disputes/{dispute.pk}/").content.decode())
    assert f"/disputes/{dispute.pk}/language/" not in p
    response = staff.post(f"/disputes/{dispute.pk}/language/", {"language": "en"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.language == "en"
    assert party.post(f"/disputes/{dispute.pk}/language/", {"language": "zh-hans"}).status_code == 403
    dispute.refresh_from_db()
    assert dispute.language == "en"


# --- the documents -----------------------------------------------------------------------------------
def test_an_english_dispute_has_an_english_agreement(dispute, advance, tmp_path):
    settlement = agreements.current(advance(in_english(dispute), "awaiting_signatures"))
    for content in (
        pdf.settlement_pdf(settlement, draft=False),
        pdf.render_settlement(settlement, draft=True),
    ):
        text = golden.text(content, tmp_path)
        for expected in ["People's Mediation Agreement", "Parties", "Claimant", "Respondent", "Mediator",
                         "31 December 2026", "1,200.00 yuan", "Signatures",
                         "(electronic signature)", "Verification code", "张三", "李四"]:  # fmt: skip
            assert flat(expected) in flat(text), expected
        assert not [label for label in CHINESE_AGREEMENT if label in flat(text)]
        assert "1200.00 元" not in text and "2026-12-31" not in text


def test_the_cache_keeps_the_languages_apart(dispute, advance, tmp_path):
    settlement = agreements.current(advance(dispute, "awaiting_signatures"))
    chinese = pdf.settlement_pdf(settlement, draft=True)
    Dispute.objects.filter(pk=dispute.pk).update(language="en")
    settlement.dispute.refresh_from_db()
    english = pdf.settlement_pdf(settlement, draft=True)
    assert "人民调解协议书" in flat(golden.text(chinese, tmp_path))
    assert "People's Mediation Agreement" in golden.text(english, tmp_path)


def test_an_english_dispute_has_an_english_judicial_application(dispute, advance, respondent, tmp_path):
    settled = advance(in_english(dispute), "settled")
    judicial.start(settled, respondent)
    text = golden.text(pdf.judicial_pdf(JudicialApplication.objects.get(dispute=settled)), tmp_path)
    for expected in ["Application for Judicial Confirmation", "Applicants", "Request", "Facts and reasons",
                     "Declaration of the applicants", "Signatures of the applicants", "1,200.00 yuan",
                     "31 December 2026", "张三"]:  # fmt: skip
        assert flat(expected) in flat(text), expected
    assert not [label for label in CHINESE_APPLICATION if label in flat(text)]


def test_an_english_dispute_has_an_english_case_file_and_referral_letter(
    handled, street_handler, api, tmp_path
):
    in_english(handled)
    at = timezone.now()
    text = golden.text(pdf.render_html(dossier.dossier_html(handled, street_handler, at)), tmp_path)
    for expected in ["Case file", "Summary", "Timeline", "Evidence", "Downloaded by", "Settlement versions",
                     "Declined by a party", "1,200.00 yuan"]:  # fmt: skip
        assert flat(expected) in flat(text), expected
    assert not [label for label in CHINESE_CASE_FILE if label in flat(text)]
    api(street_handler).post(
        f"/api/v1/disputes/{handled.pk}/transitions/conclude/",
        {"outcome": "referred_court", "referred_to": "杭州市西湖区人民法院", "note": "双方分歧大"},
        format="json",
    )
    handled.refresh_from_db()
    letter = golden.text(pdf.render_html(dossier.referral_letter_html(handled, street_handler, at)), tmp_path)
    for expected in ["Referral letter", "To 杭州市西湖区人民法院", "Referred to court",
                     "Attached: the case file", "Number of settlement versions"]:  # fmt: skip
        assert flat(expected) in flat(letter), expected
    assert not [label for label in CHINESE_LETTER + CHINESE_CASE_FILE if label in flat(letter)]


def test_the_signed_english_agreement_names_roles_in_english(dispute, advance, tmp_path):
    settled = advance(in_english(dispute), "settled")
    signed = agreements.latest(settled).pdf.read()
    last = golden.text(signed, tmp_path)
    assert "Claimant" in last and "Signed 20" in last and "签署时间" not in last
    assert factories.SETTLEMENT["performance_method"] in last


def test_a_lone_surrogate_is_400_not_echoed(dispute, advance, mediator, api, snapshot):
    """The error never repeats the input: a lone surrogate cannot be encoded into the answer."""
    dispute = advance(dispute, "in_mediation")
    before = snapshot(dispute)
    r = api(mediator).post(url(dispute), data='{"language": "\\ud800"}', content_type="application/json")
    assert r.status_code == 400 and "language" in r.json()["errors"]
    assert snapshot(dispute) == before
