"""Parties as each reader sees them (docs/personal-data-masking.md), and the list's constant
query count with several parties per dispute."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes import services
from disputes.parties import services as party_services
from tests import factories, samples

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"


@pytest.fixture
def one_by_three(dispute, grid_worker, advance, respondent):
    """Claimant 张三 against 李四, an organisation (contact: `contact`) and 王五 (`co`)."""
    contact, co = factories.UserFactory(full_name="陈经理"), factories.UserFactory(full_name="王五")
    party_services.add_party(dispute, by=grid_worker, side="respondent", name="宝石物业有限公司",
                             phone=contact.phone, kind="organisation", uscc=USCC, org_type="company",
                             contact_name="陈经理")  # fmt: skip
    wang = party_services.add_party(dispute, by=grid_worker, side="respondent", name="王五", phone=co.phone)
    agent = factories.UserFactory(full_name="律师孙")
    rep = party_services.add_representative(
        wang, by=grid_worker, kind="agent", relation="lawyer", name="律师孙", phone=agent.phone,
        authorisation=samples.pdf(), filename="委托书.pdf",
    )  # fmt: skip
    party_services.check_representative(rep, by=grid_worker, approve=True)
    advance(dispute, "awaiting_response")
    return dispute, contact, co, agent


def parties(api, user, dispute) -> dict:
    r = api(user).get(f"/api/v1/disputes/{dispute.pk}/")
    assert r.status_code == 200, r.json()
    return {p["name"]: p for p in r.json()["parties"]}


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def test_another_party_sees_phones_and_the_uscc_masked(one_by_three, claimant, api):
    dispute, contact, co, agent = one_by_three
    seen = parties(api, claimant, dispute)
    assert seen["张三"]["phone"] == claimant.phone
    assert seen["宝石物业有限公司"]["phone"] == masked(contact.phone)
    assert seen["宝石物业有限公司"]["uscc"] == "913***********0Y43"
    assert seen["宝石物业有限公司"]["contact_name"] == "陈经理"  # names are not masked
    assert seen["王五"]["representatives"][0]["phone"] == masked(agent.phone)
    assert seen["王五"]["representatives"][0]["status"] == "approved"


def test_the_organisations_contact_sees_its_own_in_full(one_by_three, api):
    dispute, contact, co, agent = one_by_three
    seen = parties(api, contact, dispute)
    assert seen["宝石物业有限公司"]["phone"] == contact.phone
    assert seen["宝石物业有限公司"]["uscc"] == USCC
    assert seen["王五"]["phone"] == masked(co.phone)


def test_an_agent_sees_its_own_phone_and_the_others_masked(one_by_three, claimant, api):
    dispute, contact, co, agent = one_by_three
    seen = parties(api, agent, dispute)
    assert seen["王五"]["representatives"][0]["phone"] == agent.phone
    assert seen["王五"]["phone"] == masked(co.phone)  # the party's own phone is theirs
    assert seen["张三"]["phone"] == masked(claimant.phone)
    assert seen["宝石物业有限公司"]["uscc"] == "913***********0Y43"


def test_staff_see_phones_masked_and_the_uscc_in_full(one_by_three, grid_worker, street_handler, api):
    dispute, contact, co, agent = one_by_three
    for user in (grid_worker, street_handler):
        seen = parties(api, user, dispute)
        assert all("****" in p["phone"] for p in seen.values())
        assert seen["宝石物业有限公司"]["uscc"] == USCC
        assert all("****" in r["phone"] for p in seen.values() for r in p["representatives"])


def test_no_full_phone_but_the_readers_own_in_the_parties(one_by_three, claimant, api):
    dispute, contact, co, agent = one_by_three
    r = api(co).get(f"/api/v1/disputes/{dispute.pk}/")
    text = r.content.decode()
    for phone in (claimant.phone, contact.phone, agent.phone):
        assert phone not in text
    assert co.phone in text


@pytest.mark.parametrize("who", ["grid_worker", "claimant"])
def test_the_list_makes_as_many_queries_with_four_parties_a_dispute_as_with_one(
    who, regions, claimant, respondent, grid_worker, api, cast
):
    def filed(n: int, extra: int) -> None:
        for i in range(n):
            d = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"漏水{extra}-{i}")
            services.fire(d.pk, "accept", by=grid_worker)
            for _ in range(extra):
                party = party_services.add_party(
                    d, by=grid_worker, side="respondent", name="王五", phone=factories.next_phone()
                )
                rep = party_services.add_representative(
                    party, by=grid_worker, kind="agent", relation="lawyer", name="律师",
                    phone=factories.next_phone(), authorisation=samples.pdf(), filename="a.pdf",
                )  # fmt: skip
                party_services.check_representative(rep, by=grid_worker, approve=True)

    client = api(cast(who))
    counts = {}
    for extra in (0, 3):
        from disputes.models import Dispute

        Dispute.objects.all().delete()
        filed(6, extra)
        with CaptureQueriesContext(connection) as queries:
            r = client.get("/api/v1/disputes/?page_size=50")
        assert r.status_code == 200 and len(r.json()["results"]) == 6
        counts[extra] = len(queries)
    assert counts[0] == counts[3], counts
