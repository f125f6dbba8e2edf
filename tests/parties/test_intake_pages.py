"""The dispute page's parties: each party on each side with its agents and guardians, and the
grid worker's forms to add a party, an agent or a guardian and to check an authorisation."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.phones import mask_phone
from disputes.models import Representative
from disputes.parties import services as party_services
from tests import factories, samples

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OUTBOX_DIR = tmp_path / "outbox"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def crowded(dispute, grid_worker):
    org = party_services.add_party(dispute, by=grid_worker, side="respondent", name="宝石物业有限公司",
                                   phone=factories.next_phone(), kind="organisation", uscc=USCC,
                                   org_type="property_management", contact_name="陈经理")  # fmt: skip
    rep = party_services.add_representative(
        org, by=grid_worker, kind="agent", relation="lawyer", name="律师孙", phone=factories.next_phone(),
        authorisation=samples.pdf(), filename="委托书.pdf",
    )  # fmt: skip
    return dispute, org, rep


def test_the_page_shows_every_party_with_its_agents(crowded, claimant):
    dispute, org, rep = crowded
    page = signed_in(claimant).get(dispute.get_absolute_url()).content.decode()
    assert "宝石物业有限公司" in page and "陈经理" in page and "律师孙" in page
    assert "913***********0Y43" in page and USCC not in page
    assert mask_phone(org.phone) in page and org.phone not in page and rep.phone not in page
    assert "等待网格员核验" in page or "pending" in page  # the authorisation's status
    # No intake forms for a party.
    assert reverse("disputes:add-party", args=[dispute.pk]) not in page
    assert reverse("disputes:check-representative", args=[dispute.pk, rep.pk]) not in page


def test_the_grid_worker_sees_the_forms_and_the_uscc(crowded, grid_worker):
    dispute, org, rep = crowded
    page = signed_in(grid_worker).get(dispute.get_absolute_url()).content.decode()
    assert USCC in page
    assert reverse("disputes:add-party", args=[dispute.pk]) in page
    assert reverse("disputes:add-representative", args=[dispute.pk]) in page
    assert reverse("disputes:check-representative", args=[dispute.pk, rep.pk]) in page


def test_the_grid_worker_adds_a_party_and_an_agent_and_approves_it(dispute, grid_worker):
    client = signed_in(grid_worker)
    r = client.post(reverse("disputes:add-party", args=[dispute.pk]), {
        "side": "respondent", "kind": "organisation", "name": "某某商店", "phone": factories.next_phone(),
        "uscc": USCC.lower(), "org_type": "shop", "contact_name": "店主",
    })  # fmt: skip
    assert r.status_code == 302
    shop = dispute.parties.get(name="某某商店")
    assert (shop.kind, shop.uscc, shop.position) == ("organisation", USCC, 1)
    upload = samples.upload("委托书.pdf", samples.pdf())
    r = client.post(reverse("disputes:add-representative", args=[dispute.pk]), {
        "party": shop.pk, "kind": "agent", "relation": "employee", "name": "店员", "phone": factories.next_phone(),
        "may_answer": "on", "may_chat": "on", "file": upload,
    })  # fmt: skip
    assert r.status_code == 302
    rep = Representative.objects.get(party=shop)
    assert (rep.may_sign, rep.status) == (False, "pending")
    r = client.post(reverse("disputes:check-representative", args=[dispute.pk, rep.pk]), {"approve": "1"})
    assert r.status_code == 302
    rep.refresh_from_db()
    assert rep.status == "approved"
    page = client.get(dispute.get_absolute_url()).content.decode()
    assert "店员" in page and "授权已核验" in page or "Authorisation checked" in page


def test_an_invalid_uscc_on_the_page_is_an_error_message(dispute, grid_worker):
    client = signed_in(grid_worker)
    r = client.post(reverse("disputes:add-party", args=[dispute.pk]), {
        "side": "respondent", "kind": "organisation", "name": "某某商店", "phone": factories.next_phone(),
        "uscc": "91350100M000100Y44",
    }, follow=True)  # fmt: skip
    assert dispute.parties.count() == 2
    assert "GB 32100" in r.content.decode()


def test_a_party_may_not_post_the_intake_forms(dispute, claimant, other_grid_worker):
    r = signed_in(claimant).post(reverse("disputes:add-party", args=[dispute.pk]), {
        "side": "respondent", "name": "王五", "phone": factories.next_phone(),
    }, follow=True)  # fmt: skip
    assert dispute.parties.count() == 2
    r = signed_in(other_grid_worker).post(reverse("disputes:add-party", args=[dispute.pk]), {
        "side": "respondent", "name": "王五", "phone": factories.next_phone(),
    })  # fmt: skip
    assert r.status_code == 404 and dispute.parties.count() == 2


def filing(regions, respondent_phone, **more):
    from disputes.models import Category

    return {
        "title": "物业维修纠纷", "description": "楼顶漏水，物业与邻居互相推诿。",
        "category": Category.objects.get(slug="neighbourhood").pk, "grid": regions["grid1"].pk,
        "respondent_kind": "organisation", "respondent_name": "宝石物业有限公司", "respondent_phone": respondent_phone,
        "respondent_uscc": USCC, "respondent_contact_name": "陈经理", **more,
    }  # fmt: skip


def test_the_filing_page_adds_another_respondent_without_javascript(regions, claimant, respondent):
    client = signed_in(claimant)
    url = reverse("disputes:file")
    body = filing(regions, respondent.phone, **{"more-TOTAL_FORMS": "0", "more-INITIAL_FORMS": "0"})
    r = client.post(url, {**body, "add_respondent": "1"})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'name="more-0-name"' in page and 'value="1"' in page and "宝石物业有限公司" in page
    assert not claimant_disputes(claimant)
    second, third = factories.next_phone(), factories.next_phone()
    r = client.post(url, {
        **body, "more-TOTAL_FORMS": "2", "more-INITIAL_FORMS": "0",
        "more-0-kind": "person", "more-0-name": "王五", "more-0-phone": second,
        "more-1-kind": "person", "more-1-name": "赵六", "more-1-phone": third,
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    [dispute] = claimant_disputes(claimant)
    rows = [(p.side, p.position, p.kind, p.name) for p in dispute.parties.order_by("side", "position")]
    assert rows == [
        ("claimant", 0, "person", "张三"), ("respondent", 0, "organisation", "宝石物业有限公司"),
        ("respondent", 1, "person", "王五"), ("respondent", 2, "person", "赵六"),
    ]  # fmt: skip
    assert dispute.parties.get(position=0, side="respondent").uscc == USCC


def test_the_filing_page_refuses_a_bad_uscc(regions, claimant, respondent):
    body = filing(regions, respondent.phone, respondent_uscc="91350100M000100Y44")
    r = signed_in(claimant).post(reverse("disputes:file"), body)
    assert r.status_code == 200 and "GB 32100" in r.content.decode()
    assert not claimant_disputes(claimant)


def claimant_disputes(user):
    from disputes.models import Dispute

    return list(Dispute.objects.filter(filed_by=user))
