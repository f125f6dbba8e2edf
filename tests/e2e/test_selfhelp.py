"""Self-help before filing in the browser (docs/features/self-help.md): a resident walks to a
letter without filing, another walks to a pre-filled filing; the cockpit counts both."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from disputes.models import Dispute, GuideWalk

from .axe import assert_accessible
from .conftest import PHONE, fits_width, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def guides(categories):
    call_command("load_guides", verbosity=0)


def answer(page, option: int) -> None:
    page.locator(f'input[name="option"][value="{option}"]').check()
    page.get_by_role("button", name="下一步").click()


def cockpit_row(page, slug: str):
    page.goto("/cockpit/")
    return page.locator(f'#selfhelp-walks tr[data-guide="{slug}"] td.n')


def test_a_resident_walks_to_a_letter_without_filing(new_page, guides, claimant, street_handler):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/")
    page.locator("#selfhelp-entry").click()
    page.wait_for_url("**/help/")
    assert_accessible(page)
    page.locator('[data-guide="deposit-not-returned"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("押金不退")
    assert_accessible(page)
    page.get_by_role("button", name="开始").click()
    expect(page.get_by_role("heading", name="您是否已经退租并交还了房屋和钥匙？")).to_be_visible()
    assert_accessible(page)
    assert fits_width(page)
    answer(page, 0)
    # Back, and forward again: the first answer is remembered.
    page.get_by_role("link", name="返回").click()
    expect(page.locator('input[name="option"][value="0"]')).to_be_checked()
    answer(page, 0)
    answer(page, 0)
    page.wait_for_url(re.compile(r"/outcome/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("书面要求退还押金")
    expect(page.get_by_text("《民法典》第五百七十七条")).to_be_visible()
    assert_accessible(page)
    assert fits_width(page)

    page.locator('[data-letter="deposit-demand"]').click()
    assert_accessible(page)
    page.fill("#id_claimant_name", "王小明")
    page.fill("#id_respondent_name", "陈房东")
    page.fill("#id_address", "宝石小区3幢201室")
    page.fill("#id_incident_date", "2026年11月1日")
    page.fill("#id_amount", "3000")
    page.fill("#id_reply_by", "2026年12月15日")
    page.fill("#id_details", "押金收据编号 0042。")
    page.get_by_role("button", name="显示信件").click()
    expect(page.locator("#letter-text")).to_contain_text("王小明")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="下载（.txt）").click()
    assert download.value.suggested_filename == "letter-deposit-demand.txt"
    text = open(download.value.path(), encoding="utf-8").read()
    assert "陈房东" in text and "人民币3000元" in text and "宝石小区3幢201室" in text and "0042" in text

    walk = GuideWalk.objects.get()
    assert walk.outcome == "demand" and walk.dispute is None and walk.user is None
    staff = new_page()
    sign_in(staff, "street_handler")
    cells = cockpit_row(staff, "deposit-not-returned")
    expect(cells.nth(1)).to_have_text("1")  # reached an outcome
    expect(cells.nth(3)).to_have_text("1")  # ended without filing


def test_a_resident_walks_to_a_prefilled_filing_and_files_it(
    new_page, guides, claimant, respondent, regions, street_handler
):
    page = new_page()
    sign_in(page, "claimant")
    page.goto("/help/water-leak/")
    page.get_by_role("button", name="开始").click()
    answer(page, 0)
    answer(page, 1)
    page.wait_for_url(re.compile(r"/outcome/$"))
    page.fill("#id_amount", "1800")
    page.locator("#file-for-mediation").click()
    page.wait_for_url(re.compile(r"/disputes/new/\?walk=\d+"))
    expect(page.locator("#id_title")).to_have_value("楼上漏水: 维修并赔偿损失")
    expect(page.locator("#id_description")).to_contain_text("漏水是否已经造成财产损失？")
    expect(page.locator("#id_category option:checked")).to_have_text("邻里纠纷")
    expect(page.locator("#id_amount_claimed")).to_have_value("1800.00")
    assert_accessible(page)
    page.select_option("#id_grid", label="宝石社区 · 宝石一网格")
    page.fill("#id_respondent_name", "李四")
    page.fill("#id_respondent_phone", respondent.phone)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    dispute = Dispute.objects.get()
    assert dispute.amount_claimed == 1800 and dispute.category.slug == "neighbourhood"
    walk = GuideWalk.objects.get()
    assert walk.dispute == dispute and walk.user == claimant

    staff = new_page()
    sign_in(staff, "street_handler")
    cells = cockpit_row(staff, "water-leak")
    expect(cells.nth(2)).to_have_text("1")  # filed
    expect(cells.nth(3)).to_have_text("0")  # ended without filing
