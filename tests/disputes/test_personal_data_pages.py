"""The respondent's notice of where their details came from; why each filing field is asked."""

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_served_respondent_is_told_where_their_details_came_from(dispute, advance, respondent, client):
    dispute = advance(dispute, "awaiting_response")
    client.force_login(respondent)
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'id="your-data"' in html and "<details open>" in html
    assert (
        f"申请人 张* 于 {dispute.created_at.astimezone().date():%Y-%m-%d} 提交本纠纷时提供了以下信息" in html
    )
    assert respondent.phone in html  # their own number, as given
    assert "个人信息保护法" in html and "/my-data/" in html and "/privacy/" in html


def test_later_the_notice_stays_but_folded_and_speaks_english(dispute, advance, respondent, client):
    dispute = advance(dispute, "awaiting_mediator")
    User.objects.filter(pk=respondent.pk).update(language="en")
    client.force_login(respondent)
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'id="your-data"' in html and "<details open>" not in html
    assert "The claimant 张* gave the details below" in html and "legal basis" in html


def test_a_grid_worker_filing_for_a_resident_is_named_as_the_source(
    regions, grid_worker, respondent, advance, client
):
    from disputes import services
    from disputes.models import Category

    dispute, _ = services.file_dispute(
        by=grid_worker, title="噪音", description="夜间噪音。", category=Category.objects.get(slug="neighbourhood"),
        grid=regions["grid1"], respondent_name="李四", respondent_phone=respondent.phone,
        respondent_address="宝石路1号", on_behalf_of={"full_name": "赵大爷", "phone": "13700001111", "address": ""},
    )  # fmt: skip
    advance(dispute, "awaiting_response")
    client.force_login(respondent)
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "网格员于" in html and "代申请人 赵** " in html and "宝石路1号" in html


@pytest.mark.parametrize("who", ["claimant", "grid_worker", "mediator"])
def test_nobody_else_gets_the_notice(who, dispute, advance, cast, client):
    dispute = advance(dispute, "in_mediation")
    client.force_login(cast(who))
    assert 'id="your-data"' not in client.get(f"/disputes/{dispute.pk}/").content.decode()


def test_an_unserved_respondent_sees_neither_dispute_nor_notice(dispute, respondent, client):
    client.force_login(respondent)
    assert client.get(f"/disputes/{dispute.pk}/").status_code == 404


def test_every_filing_field_says_why_it_is_asked(client, grid_worker):
    from disputes.forms import FileDisputeForm

    form = FileDisputeForm(on_behalf=True)
    assert all(field.help_text for field in form.fields.values()), [
        n for n, f in form.fields.items() if not f.help_text
    ]
    optional = {n for n, f in form.fields.items() if not f.required}
    assert optional >= {
        "respondent_email",
        "respondent_address",
        "amount_claimed",
        "desired_outcome",
        "evidence",
    }
    client.force_login(grid_worker)
    html = client.get("/disputes/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "调解邀请通过短信发送到这个号码" in html and "用于上门走访" in html
