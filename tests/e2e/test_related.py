"""A grid worker opens a filing, sees two related disputes with why they match, and links one:
the link shows on both timelines (docs/features/intake.md)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from disputes import services
from disputes.models import Category
from tests import factories

from .axe import assert_accessible
from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def filings(regions, claimant, respondent, grid_worker):
    """An earlier dispute by the same claimant; an earlier one by a neighbour against the same
    respondent; an unrelated one; and the new filing."""
    same_claimant = factories.file_dispute(
        claimant,
        regions["grid1"],
        factories.next_phone(),
        title="装修款拖欠",
        description="装修工程款拖欠三个月未付。",
    )
    neighbour, _ = services.file_dispute(
        by=grid_worker, title="楼上漏水", description="楼上卫生间漏水导致天花板发霉。",
        category=Category.objects.get(slug="neighbourhood"), grid=regions["grid1"], respondent_name="李四",
        respondent_phone=respondent.phone, on_behalf_of={"full_name": "王阿姨", "phone": factories.next_phone()},
    )  # fmt: skip
    unrelated, _ = services.file_dispute(
        by=grid_worker, title="宠物扰民", description="对门的狗夜里一直叫。",
        category=Category.objects.get(slug="neighbourhood"), grid=regions["grid1"], respondent_name="赵六",
        respondent_phone=factories.next_phone(), on_behalf_of={"full_name": "钱七", "phone": factories.next_phone()},
    )  # fmt: skip
    new = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="漏水赔偿")
    return same_claimant, neighbour, unrelated, new


def test_a_grid_worker_sees_related_filings_and_links_one(new_page, filings):
    same_claimant, neighbour, unrelated, new = filings
    page = new_page()
    sign_in(page, "grid_worker")
    page.goto(f"/disputes/{new.pk}/")
    panel = page.locator("#related")
    items = panel.locator(".related-item")
    expect(items).to_have_count(2)
    first = panel.locator(f".related-item[data-reference='{same_claimant.reference}']")
    second = panel.locator(f".related-item[data-reference='{neighbour.reference}']")
    expect(first.locator("[data-kind=claimant_phone]")).to_have_text("同一申请人")
    expect(second.locator("[data-kind=respondent_phone]")).to_have_text("同一被申请人")
    expect(second.locator("[data-kind=text]")).to_contain_text("案情相似")
    expect(first).to_contain_text("已提交")
    expect(panel).not_to_contain_text(unrelated.reference)
    # No phone number of either party is on the panel.
    assert new.respondent_phone not in panel.inner_text()
    assert_accessible(page)

    second.get_by_role("button", name=f"将 {neighbour.reference} 关联为相关纠纷").click()
    page.wait_for_url(f"**/disputes/{new.pk}/")
    expect(page.locator("body")).to_contain_text("纠纷已关联")
    expect(page.locator(".timeline")).to_contain_text(f"与 {neighbour.reference} 相关")
    expect(page.locator(f"#related .related-item[data-reference='{neighbour.reference}']")).to_contain_text(
        "已关联"
    )

    page.locator(f"#related a[href='/disputes/{neighbour.pk}/']").click()
    page.wait_for_url(f"**/disputes/{neighbour.pk}/")
    expect(page.locator(".timeline")).to_contain_text(f"与 {new.reference} 相关")
    expect(page.locator(".timeline")).to_contain_text("关联了另一件纠纷")
