"""A case handler in the browser: takes an escalated case, asks the claimant, who answers on the
dispute page, downloads the case file, and refers the case to court with a referral letter."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes import services
from mediation.chat import store as chat
from mediation.models import Room

from .conftest import sign_in

pytestmark = pytest.mark.e2e

SECRET = "私下底线九百元机密"


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(out.split())


def test_a_handler_takes_asks_downloads_and_refers(
    new_page, dispute, advance, claimant, respondent, mediator, street_handler, tmp_path
):
    advance(dispute, "in_mediation")
    rooms = {room.party or "joint": room for room in Room.objects.filter(dispute=dispute)}
    chat.post_message(
        rooms["joint"].pk, mediator, "请双方陈述维修费用意见", str(uuid.uuid4()), broadcast=False
    )
    chat.post_message(rooms["claimant"].pk, claimant, SECRET, str(uuid.uuid4()), broadcast=False)
    services.fire(dispute.pk, "fail_mediation", by=mediator, payload={"reason": "双方分歧过大"})
    dispute.refresh_from_db()

    handler = new_page()
    sign_in(handler, "street_handler")
    handler.locator("nav a[href='/cases/']").click()
    row = handler.locator(f".case-row[data-reference='{dispute.reference}']")
    expect(row).to_contain_text("双方分歧过大")
    row.locator("form[action$='/actions/take_case/'] button").click()
    handler.wait_for_url(f"**/cases/{dispute.pk}/")
    expect(handler.locator("#transcript")).to_contain_text("请双方陈述维修费用意见")
    expect(handler.locator("body")).not_to_contain_text(SECRET)

    # Ask the claimant for more information, with a deadline.
    handler.locator("details:has(form[action$='/info-requests/']) summary").click()
    handler.select_option("#id_ask_party", "claimant")
    handler.fill("#id_ask_question", "请上传维修报价单")
    due = timezone.localtime() + timedelta(days=7)
    handler.fill("#id_ask_due_at", due.strftime("%Y-%m-%dT%H:%M"))
    handler.locator("form[action$='/info-requests/'] button[type=submit]").click()
    expect(handler.locator("#info-requests")).to_contain_text("请上传维修报价单")

    # The claimant answers on the dispute page.
    resident = new_page()
    sign_in(resident, "claimant")
    resident.goto(f"/disputes/{dispute.pk}/")
    expect(resident.locator("#info-requests")).to_contain_text("请上传维修报价单")
    resident.fill("#id_answer_answer", "报价单共1500元")
    resident.locator("#info-requests button[type=submit]").click()
    expect(resident.locator("#info-requests")).to_contain_text("报价单共1500元")
    expect(resident.locator("#id_answer_answer")).to_have_count(0)

    # The handler sees the answer and downloads the case file.
    handler.reload()
    expect(handler.locator("#info-requests")).to_contain_text("报价单共1500元")
    with handler.expect_download() as download:
        handler.locator(f"a[href='/api/v1/disputes/{dispute.pk}/dossier/']").click()
    assert download.value.suggested_filename == f"{dispute.reference}-dossier.pdf"
    path = tmp_path / "dossier.pdf"
    download.value.save_as(path)
    text = pdf_text(path)
    assert "请双方陈述维修费用意见" in text and "报价单共1500元" in text and SECRET not in text
    assert "下载人：周街道" in text

    # Refer it to court: where it goes is asked for, then the letter can be downloaded.
    handler.locator("details:has(form[action$='/actions/conclude/']) summary").click()
    form = handler.locator("form[action$='/actions/conclude/']")
    form.locator("select[name=outcome]").select_option("referred_court")
    form.locator("[name=referred_to]").fill("杭州市西湖区人民法院")
    form.locator("button[type=submit]").click()
    handler.wait_for_url(f"**/cases/{dispute.pk}/")
    link = handler.locator(f"a[href='/api/v1/disputes/{dispute.pk}/referral-letter/']")
    expect(link).to_be_visible()
    with handler.expect_download() as download:
        link.click()
    path = tmp_path / "letter.pdf"
    download.value.save_as(path)
    text = pdf_text(path)
    assert "纠纷移送函" in text and "致杭州市西湖区人民法院" in text and SECRET not in text
    assert re.search(r"TJ-\d{4}-\d{6}", text)
