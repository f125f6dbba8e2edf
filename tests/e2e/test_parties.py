"""A grid worker records an agent with a power of attorney on the dispute page and approves
it; the page shows the agent's status and stays accessible (docs/features/parties.md)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from disputes.models import Representative
from disputes.parties import services as party_services
from tests import factories, samples

from .axe import assert_accessible
from .conftest import sign_in

pytestmark = pytest.mark.e2e

USCC = "91350100M000100Y43"


def test_a_grid_worker_adds_an_agent_and_approves_the_authorisation(new_page, dispute, grid_worker, tmp_path):
    org = party_services.add_party(
        dispute, by=grid_worker, side="respondent", name="宝石物业有限公司", phone=factories.next_phone(),
        kind="organisation", uscc=USCC, org_type="property_management", contact_name="陈经理",
    )  # fmt: skip
    power = tmp_path / "委托书.pdf"
    power.write_bytes(samples.pdf("Power of attorney"))
    page = new_page()
    sign_in(page, "grid_worker")
    page.goto(f"/disputes/{dispute.pk}/")
    roster = page.locator("#parties")
    expect(roster.locator(f"#party-{org.pk}")).to_contain_text("宝石物业有限公司")
    expect(roster.locator(f"#party-{org.pk}")).to_contain_text(USCC)
    assert_accessible(page)

    roster.get_by_text("添加代理人或监护人", exact=True).click()
    form = page.locator("form[action$='/representatives/']")
    form.get_by_label("代理的当事人").select_option(str(org.pk))
    form.get_by_label("代理人或监护人", exact=True).select_option("agent")
    form.get_by_label("与当事人的关系").select_option("lawyer")
    form.get_by_label("姓名", exact=True).fill("律师孙")
    form.get_by_label("手机号码").fill(factories.next_phone())
    form.get_by_label("可签署调解协议").uncheck()
    form.locator("input[type=file]").set_input_files(str(power))
    form.get_by_role("button", name="添加此代理人或监护人").click()
    page.wait_for_url(f"**/disputes/{dispute.pk}/**")
    rep = Representative.objects.get(party=org)
    item = page.locator(f"#representative-{rep.pk}")
    expect(item).to_contain_text("等待网格员核验")
    assert_accessible(page)

    item.get_by_label("备注").fill("委托书核验无误")
    item.get_by_role("button", name="核验通过").click()
    page.wait_for_url(f"**/disputes/{dispute.pk}/**")
    expect(page.locator(f"#representative-{rep.pk}")).to_contain_text("授权已核验")
    expect(page.locator(".timeline")).to_contain_text("核验通过授权材料")
    rep.refresh_from_db()
    assert (rep.status, rep.may_sign) == ("approved", False)
    assert_accessible(page)
