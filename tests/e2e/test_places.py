"""Finding the grid in the browser (docs/features/places.md): a resident types part of an
estate's name, or its pinyin initials, picks the suggestion and files."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Place
from disputes.models import Dispute
from tests import factories

from .axe import assert_accessible
from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def estates(regions):
    return {
        "yile": Place.objects.create(grid=regions["grid1"], name="怡乐花园", name_en="Yile Garden"),
        "yile3": Place.objects.create(grid=regions["grid1"], name="怡乐花园3栋"),
        "xinyi": Place.objects.create(grid=regions["grid2"], name="新怡乐苑"),
        "yuquan": Place.objects.create(grid=regions["grid3"], name="玉泉路12号"),
    }


def fill_the_rest(page, title: str) -> None:
    page.fill("#id_title", title)
    page.fill("#id_description", "楼上卫生间漏水，我家天花板已经发霉。")
    page.select_option("#id_category", label="邻里纠纷")
    page.fill("#id_respondent_name", "李四")
    page.fill("#id_respondent_phone", "13912345602")


def test_a_resident_finds_the_grid_by_part_of_the_estate_name(new_page, regions, estates):
    factories.UserFactory(username="xiaoming", full_name="王小明")
    page = new_page()
    sign_in(page, "xiaoming")
    page.goto("/disputes/new/")
    assert_accessible(page)
    fill_the_rest(page, "楼上漏水")
    box = page.get_by_role("combobox", name="纠纷发生在哪里？")
    box.press_sequentially("乐花", delay=50)
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option").first).to_have_text("怡乐花园 · 北山街道 / 宝石社区")
    expect(box).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)  # with the suggestions open
    listbox.get_by_role("option", name="怡乐花园 · 北山街道 / 宝石社区").click()
    expect(page.locator("#where-status")).to_contain_text("怡乐花园")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    dispute = Dispute.objects.get(title="楼上漏水")
    assert (dispute.place, dispute.grid) == (estates["yile"], regions["grid1"])
    expect(page.locator("#dispute-grid")).to_contain_text("宝石一网格")


def test_a_resident_finds_the_grid_by_pinyin_initials_with_the_keyboard(new_page, regions, estates):
    factories.UserFactory(username="xiaohong", full_name="李小红")
    page = new_page()
    sign_in(page, "xiaohong")
    page.goto("/disputes/new/")
    fill_the_rest(page, "噪音扰民")
    box = page.locator("#id_where")
    box.press_sequentially("ylhy3", delay=50)
    suggestions = page.get_by_role("listbox", name="地点建议")
    expect(suggestions.get_by_role("option").first).to_have_text("怡乐花园3栋 · 北山街道 / 宝石社区")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "where-option-0")
    box.press("Enter")
    expect(box).to_have_value("怡乐花园3栋 · 北山街道 / 宝石社区")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    assert Dispute.objects.get(title="噪音扰民").place == estates["yile3"]


def test_a_resident_who_does_not_know_sends_it_to_the_street(new_page, regions, estates):
    factories.UserFactory(username="xiaogang", full_name="张小刚")
    page = new_page()
    sign_in(page, "xiaogang")
    page.goto("/disputes/new/")
    fill_the_rest(page, "物业纠纷")
    # choosing a street narrows the search and preselects it for "I don't know"
    page.locator("#id_where").press_sequentially("lyjd", delay=50)
    page.get_by_role("listbox", name="地点建议").get_by_role("option", name=re.compile("灵隐街道")).click()
    expect(page.locator("#where-within")).to_contain_text("灵隐街道")
    page.get_by_label("不清楚具体地点：交给街道").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/disputes/\d+/$"))
    dispute = Dispute.objects.get(title="物业纠纷")
    assert dispute.grid == regions["street2"] and dispute.place is None
