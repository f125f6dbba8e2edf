"""A dispute's first steps in the browser: filing, intake, the respondent finding it."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Place
from accounts.phones import mask_phone
from core.crypto import blind_index
from disputes import services
from disputes.models import Dispute
from tests import factories

from .conftest import PHONE, fits_width, sign_in, sign_up_and_verify

pytestmark = pytest.mark.e2e

RESIDENT_PHONE = "13912345601"
RESPONDENT_PHONE = "13912345602"


def png_file(tmp_path):
    from tests.pages.helpers import png

    path = tmp_path / "现场照片.png"
    path.write_bytes(png())
    return path


def screenshot(page, name: str) -> None:
    """Saved only when TIAOJIE_SCREENSHOTS names a folder (keep it outside the repository)."""
    folder = os.environ.get("TIAOJIE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_a_resident_files_the_grid_worker_accepts_and_the_respondent_finds_it(
    new_page, regions, grid_worker, tmp_path
):
    # The resident signs up on a phone, verifies by SMS and files a dispute with a photo.
    resident = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_up_and_verify(resident, username="xiaoming", full_name="王小明", phone=RESIDENT_PHONE)
    expect(resident.get_by_role("heading", name="我的纠纷")).to_be_visible()
    resident.get_by_role("navigation").get_by_role("link", name="申请调解").click()
    resident.fill("#id_title", "楼上漏水")
    resident.fill("#id_description", "楼上卫生间漏水，我家天花板已经发霉。")
    resident.select_option("#id_category", label="邻里纠纷")
    # Where it arose: the search box finds the estate, and with it the grid (docs/features/places.md).
    Place.objects.create(grid=regions["grid1"], name="宝石山庄")
    resident.locator("#id_where").press_sequentially("宝石山", delay=50)
    resident.get_by_role("listbox").get_by_role("option", name="宝石山庄 · 北山街道 / 宝石社区").click()
    resident.fill("#id_respondent_name", "李四")
    resident.fill("#id_respondent_phone", RESPONDENT_PHONE)
    resident.fill("#id_amount_claimed", "1200")
    resident.set_input_files("#id_evidence", png_file(tmp_path))
    assert fits_width(resident)
    resident.get_by_role("button", name="提交申请").click()
    resident.wait_for_url(re.compile(r"/disputes/\d+/$"))
    expect(resident.locator(".state").first).to_have_text("已提交")
    with resident.expect_download() as download:
        resident.get_by_role("link", name="现场照片.png").click()
    assert download.value.suggested_filename == "现场照片.png"
    dispute = Dispute.objects.get(claimant_phone_index=blind_index(RESIDENT_PHONE))
    assert dispute.respondent_phone == RESPONDENT_PHONE
    assert fits_width(resident)

    # The grid worker finds it in the queue and accepts it.
    worker = new_page()
    sign_in(worker, "grid_worker")
    worker.get_by_role("link", name="工作台").click()
    waiting = worker.locator("section", has=worker.get_by_role("heading", name=re.compile("待我处理")))
    waiting.get_by_role("link", name="楼上漏水").click()
    # Staff see numbers masked; the grid worker shows the respondent's in full, with a reason.
    expect(worker.get_by_text(mask_phone(RESPONDENT_PHONE))).to_be_visible()
    expect(worker.get_by_text(RESPONDENT_PHONE)).to_have_count(0)
    phone_row = worker.locator('[data-field="respondent.phone"] + details.reveal')
    phone_row.locator("summary").click()
    phone_row.get_by_role("button").click()
    expect(worker.get_by_text(RESPONDENT_PHONE)).to_be_visible()
    worker.locator("summary", has_text=re.compile("^受理$")).click()
    worker.get_by_role("button", name="确认：受理").click()
    expect(worker.get_by_text("操作成功：受理。")).to_be_visible()
    expect(worker.locator(".state").first).to_have_text("待被申请人答复")
    screenshot(worker, "detail-grid-worker")

    # The respondent signs up with the named phone and finds the dispute.
    respondent = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_up_and_verify(respondent, username="lisi", full_name="李四", phone=RESPONDENT_PHONE)
    respondent.get_by_role("link", name="楼上漏水").click()
    expect(respondent.get_by_text(mask_phone(RESIDENT_PHONE))).to_be_visible()
    expect(respondent.get_by_text(RESIDENT_PHONE)).to_have_count(0)
    expect(respondent.get_by_role("button", name="同意调解")).to_be_visible()
    expect(respondent.locator(".timeline li")).to_have_count(2)
    assert fits_width(respondent)
    screenshot(respondent, "detail-respondent-phone")


def test_the_respondent_sees_the_dispute_only_once_it_is_accepted(new_page, regions, claimant, grid_worker):
    respondent = factories.UserFactory(username="lisi", full_name="李四")
    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "lisi")
    expect(page.get_by_text(dispute.title)).to_have_count(0)
    response = page.goto(dispute.get_absolute_url())
    assert response.status == 404

    services.fire(dispute.pk, "accept", by=grid_worker)
    page.goto("/disputes/")
    page.get_by_role("link", name=dispute.title).click()
    page.get_by_role("button", name="同意调解").click()
    expect(page.get_by_text("操作成功：同意调解。")).to_be_visible()
    dispute.refresh_from_db()
    assert dispute.state in (Dispute.State.AWAITING_MEDIATOR, Dispute.State.MEDIATOR_ASSIGNED)


def test_an_outsider_gets_the_404_page(new_page, regions, claimant, respondent, outsider):
    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    page = new_page()
    sign_in(page, "outsider")
    response = page.goto(dispute.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.get_by_text(dispute.title)).to_have_count(0)


def test_switching_to_english_and_back(new_page):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("足不出户，就近化解矛盾纠纷")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settle disputes close to home, online")
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto("/accounts/signup/")
    expect(page.get_by_role("button", name="Sign up and send the code")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("button", name="注册并发送验证码")).to_be_visible()


def test_the_nav_works_on_a_phone(new_page, regions, grid_worker, claimant, respondent):
    factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "grid_worker")
    nav = page.get_by_role("navigation", name="主菜单")
    for name in ("我的纠纷", "申请调解", "工作台", "退出登录"):
        item = nav.get_by_role("link", name=name).or_(nav.get_by_role("button", name=name))
        expect(item).to_be_in_viewport()
    for name, heading in (("工作台", "工作台"), ("申请调解", "申请调解"), ("我的纠纷", "我的纠纷")):
        nav.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert fits_width(page)
    nav.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("navigation", name="主菜单").get_by_role("link", name="登录")).to_be_visible()
