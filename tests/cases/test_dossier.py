"""The case file (dossier): what it holds, what it never holds, who may read it, the audit trail."""

from __future__ import annotations

import pytest

from disputes.models import DisputeEvent

from .conftest import CAUCUS_SECRET, CAUCUS_SECRET_2, JOINT_LINES, flat, pdf_pages

pytestmark = pytest.mark.django_db


def dossier_url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/dossier/"


def test_the_dossier_has_the_joint_room_and_never_the_caucus(escalated, street_handler, api, tmp_path):
    response = api(street_handler).get(dossier_url(escalated))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content, tmp_path)
    text = flat("".join(pages))
    for line in JOINT_LINES:
        assert line in text
    assert CAUCUS_SECRET not in text and CAUCUS_SECRET_2 not in text
    # Nor any piece of it that a line break could have split apart.
    assert "绝密甲" not in text and "私下透露" not in text and "私下沟通" not in text


def test_the_dossier_holds_summary_parties_timeline_evidence_and_settlements(
    escalated, street_handler, claimant, api, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disputes import services
    from tests.pages.helpers import png

    evidence = services.add_evidence(
        escalated, by=claimant, upload=SimpleUploadedFile("漏水照片.png", png()), description="天花板"
    )
    text = flat("".join(pdf_pages(api(street_handler).get(dossier_url(escalated)).content, tmp_path)))
    for expected in [
        "纠纷案件卷宗", escalated.reference, escalated.title, "张三", "李四",
        # Contacts masked for every reader, the case handler too (docs/personal-data-masking.md).
        f"{escalated.claimant_phone[:3]}****{escalated.claimant_phone[-4:]}",
        "漏水照片.png", evidence.sha256,
        "双方对赔偿金额分歧过大",  # the escalation reason, on the timeline
        "赔偿金额过高不能接受",  # why the settlement version failed
        "李四于2026年12月31日前赔偿张三维修费人民币1200元。",
    ]:  # fmt: skip
        assert expected in text, expected


def test_every_page_names_the_reader_and_the_time(escalated, street_handler, mediator, api, tmp_path):
    from datetime import datetime

    from django.utils import timezone

    from mediation.models import Message, Room

    # Enough joint-room history for several pages (the room is read-only now: write as it was).
    joint = Room.objects.get(dispute=escalated, kind="joint")
    Message.objects.bulk_create(
        Message(
            room=joint,
            seq=joint.last_seq + n,
            author=mediator,
            author_role="mediator",
            body=f"第{n}条记录：调解员说明现场情况与维修报价。",
            client_msg_id=f"bulk-{n}",
        )  # fmt: skip
        for n in range(1, 121)
    )
    response = api(street_handler).get(dossier_url(escalated))
    pages = pdf_pages(response.content, tmp_path)
    assert len(pages) >= 3
    event = DisputeEvent.objects.filter(dispute=escalated, transition="dossier_downloaded").get()
    at = timezone.localtime(datetime.fromisoformat(event.payload["at"]))
    stamp = at.strftime("%Y-%m-%d %H:%M:%S")
    assert abs((event.at - at).total_seconds()) < 60
    for number, page in enumerate(pages, start=1):
        assert "下载人：周街道" in flat(page), number
        assert stamp in page and f"{number} / {len(pages)}" in page, number


def test_every_download_is_on_the_audit_trail(escalated, street_handler, grid_worker, api):
    import hashlib

    first = api(street_handler).get(dossier_url(escalated))
    api(grid_worker).get(dossier_url(escalated))
    events = list(DisputeEvent.objects.filter(dispute=escalated, transition="dossier_downloaded"))
    assert [(e.actor, e.actor_role) for e in events] == [
        (street_handler, "case_handler"),
        (grid_worker, "grid_worker"),
    ]
    assert events[0].payload["document"] == "dossier"
    assert events[0].payload["sha256"] == hashlib.sha256(first.content).hexdigest()
    assert events[0].to_state == events[0].from_state == "escalated"


def test_contacts_are_masked_for_every_reader(
    escalated, street_handler, district_handler, grid_worker, api, tmp_path
):
    """The case file shows masked contacts whoever downloads it, an entitled handler included."""
    from disputes import services

    escalated.claimant_address = "北京市朝阳区建国路88号3单元502"
    escalated.save(update_fields=["claimant_address"])
    services.fire(escalated.pk, "take_case", by=street_handler, payload={})
    services.fire(escalated.pk, "return_to_mediation", by=street_handler, payload={"reason": "再调一次"})
    services.fire(escalated.pk, "escalate", by=grid_worker, payload={"reason": "再次上报"})
    escalated.refresh_from_db()
    assert escalated.level == 0  # district
    phone = escalated.claimant_phone
    for reader in (street_handler, district_handler, grid_worker):
        text = flat("".join(pdf_pages(api(reader).get(dossier_url(escalated)).content, tmp_path)))
        assert phone not in text and f"{phone[:3]}****{phone[-4:]}" in text, reader
        assert "88号" not in text and "北京市朝阳区***" in text, reader


@pytest.mark.parametrize("who", ["claimant", "respondent"])
def test_the_parties_may_not_download_it(who, escalated, cast, api):
    response = api(cast(who)).get(dossier_url(escalated))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not DisputeEvent.objects.filter(transition="dossier_downloaded").exists()


def test_the_mediator_who_failed_no_longer_sees_it(escalated, mediator, api):
    assert api(mediator).get(dossier_url(escalated)).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_grid_worker"])
def test_outsiders_and_other_regions_get_404(who, escalated, cast, api):
    response = api(cast(who)).get(dossier_url(escalated))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_handler_of_another_street_gets_404(escalated, regions, api):
    from tests import factories

    other = factories.staff("case_handler", regions["street2"], username="lingyin_handler")
    assert api(other).get(dossier_url(escalated)).status_code == 404


def test_anonymous_gets_401(escalated, api):
    assert api().get(dossier_url(escalated)).status_code == 401


def test_an_english_dispute_gets_it_in_english_whoever_reads_it(escalated, street_handler, api, tmp_path):
    escalated.language = "en"
    escalated.save(update_fields=["language"])
    text = " ".join(pdf_pages(api(street_handler).get(dossier_url(escalated)).content, tmp_path))
    assert "Case file" in text and "Downloaded by" in text and "Joint session transcript" in text
    assert JOINT_LINES[0] in flat(text) and CAUCUS_SECRET not in flat(text)
    assert "纠纷案件卷宗" not in flat(text) and "下载人" not in flat(text)


def test_an_english_reader_of_a_chinese_dispute_gets_it_in_chinese(escalated, street_handler, api, tmp_path):
    street_handler.language = "en"
    street_handler.save(update_fields=["language"])
    text = flat(" ".join(pdf_pages(api(street_handler).get(dossier_url(escalated)).content, tmp_path)))
    assert "纠纷案件卷宗" in text and "Case file" not in text


def test_a_breached_settlement_shows_who_signed_and_its_hash(
    dispute, advance, claimant, street_handler, api, tmp_path
):
    from disputes import services
    from mediation.models import Settlement

    advance(dispute, "settled")
    services.fire(dispute.pk, "report_breach", by=claimant, payload={"reason": "对方逾期未付款"})
    sealed = Settlement.objects.get(dispute=dispute)
    text = flat("".join(pdf_pages(api(street_handler).get(dossier_url(dispute)).content, tmp_path)))
    for expected in [
        "已签署盖章生效",
        "张三（申请人）",
        "李四（被申请人）",
        "钱调解（调解员）",
        sealed.sha256,
        "对方逾期未付款",
    ]:
        assert expected in text, expected
