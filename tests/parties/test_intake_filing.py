"""Filing with several parties: POST /api/v1/disputes/ with respondents, an organisation
claimant, co-claimants (docs/features/parties.md)."""

import pytest

from disputes.models import Dispute, DisputeEvent, DisputeParty
from tests import factories

pytestmark = pytest.mark.django_db

FILE = "/api/v1/disputes/"
USCC = "91350100M000100Y43"
USCC2 = "91110000600037341L"


@pytest.fixture
def body(regions):
    return {
        "title": "物业费纠纷",
        "description": "物业公司与两位业主就维修费用分担发生争议。",
        "category": "tenancy",
        "grid": regions["grid1"].pk,
    }


def three_respondents(respondent, uscc=USCC):
    return [
        {"name": "宝石物业有限公司", "phone": respondent.phone, "kind": "organisation", "uscc": uscc,
         "org_type": "property_management", "contact_name": "李经理", "contact_title": "经理"},
        {"name": "王五", "phone": factories.next_phone(), "email": "w5@example.com"},
        {"name": "赵六", "phone": factories.next_phone()},
    ]  # fmt: skip


def test_one_claimant_three_respondents_with_an_organisation(body, claimant, respondent, api):
    body["respondents"] = three_respondents(respondent)
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    # The lead respondent is mirrored in the two-party fields.
    assert data["respondent"]["name"] == "宝石物业有限公司"
    dispute = Dispute.objects.get(pk=data["id"])
    assert dispute.respondent_phone == respondent.phone
    rows = list(dispute.parties.order_by("side", "position"))
    assert [(p.side, p.position, p.name) for p in rows] == [
        ("claimant", 0, "张三"), ("respondent", 0, "宝石物业有限公司"),
        ("respondent", 1, "王五"), ("respondent", 2, "赵六"),
    ]  # fmt: skip
    lead = rows[1]
    assert (lead.kind, lead.uscc, lead.org_type, lead.contact_name) == (
        "organisation", USCC, "property_management", "李经理",
    )  # fmt: skip
    assert [p["name"] for p in data["parties"]] == ["张三", "宝石物业有限公司", "王五", "赵六"]
    # The claimant sees the organisation's USCC masked, other phones masked, their own in full.
    org = data["parties"][1]
    assert org["uscc"] == "913***********0Y43" and org["phone"].count("*") == 4
    assert data["parties"][0]["phone"] == claimant.phone
    assert DisputeEvent.objects.filter(dispute=dispute).count() == 1  # the filing only


def test_lowercase_uscc_is_accepted_upper_cased(body, claimant, respondent, api):
    body["respondents"] = three_respondents(respondent, uscc=USCC2.lower())
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    assert DisputeParty.objects.get(uscc=USCC2).kind == "organisation"


@pytest.mark.parametrize("uscc", ["91350100M000100Y44", "91350100M000100Y4", "9135O100M000100Y43", ""])
def test_an_invalid_uscc_is_refused_with_a_clear_error(body, claimant, respondent, api, uscc):
    body["respondents"] = three_respondents(respondent, uscc=uscc)
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert "respondents[0].uscc" in errors or any("uscc" in key for key in errors), errors
    assert not Dispute.objects.exists()


def test_the_two_party_filing_is_unchanged(body, claimant, respondent, api):
    body["respondent"] = {"name": "李四", "phone": respondent.phone, "email": "lisi@example.com"}
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["claimant"] == {"name": "张三", "phone": claimant.phone}
    assert data["respondent"] == {"name": "李四", "phone": respondent.phone[:3] + "****" + respondent.phone[-4:],
                                  "email": "***@example.com"}  # fmt: skip
    assert [(p["side"], p["position"], p["kind"]) for p in data["parties"]] == [
        ("claimant", 0, "person"),
        ("respondent", 0, "person"),
    ]
    # Filing the same again returns the first (200), as before.
    again = api(claimant).post(FILE, body, format="json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]


def test_an_empty_body_still_names_the_respondent(claimant, api):
    r = api(claimant).post(FILE, {}, format="json")
    assert r.status_code == 400
    assert {"title", "description", "category", "grid", "respondent"} <= set(r.json()["errors"])


def test_respondent_and_respondents_together_are_refused(body, claimant, respondent, api):
    body["respondent"] = {"name": "李四", "phone": respondent.phone}
    body["respondents"] = three_respondents(respondent)
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400 and "respondents" in r.json()["errors"]


def test_duplicate_phones_are_refused(body, claimant, respondent, api):
    body["respondents"] = three_respondents(respondent)
    body["respondents"][2]["phone"] = body["respondents"][1]["phone"]
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400 and "respondents" in r.json()["errors"]
    body["respondents"] = three_respondents(respondent)
    body["respondents"][2]["phone"] = claimant.phone
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400
    assert not Dispute.objects.exists()


def test_more_than_twenty_respondents_are_refused(body, claimant, api):
    body["respondents"] = [{"name": f"人{i}", "phone": factories.next_phone()} for i in range(21)]
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400 and any(key.startswith("respondents") for key in r.json()["errors"])
    body["respondents"] = []
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400


def test_a_person_with_a_uscc_is_refused(body, claimant, respondent, api):
    body["respondents"] = [{"name": "李四", "phone": respondent.phone, "uscc": USCC}]
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400


def test_a_resident_files_for_their_company(body, claimant, respondent, api):
    body["respondent"] = {"name": "李四", "phone": respondent.phone}
    body["claimant_organisation"] = {"name": "三张商贸有限公司", "uscc": USCC, "org_type": "company",
                                     "contact_title": "法定代表人"}  # fmt: skip
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    dispute = Dispute.objects.get(pk=r.json()["id"])
    lead = dispute.parties.get(side="claimant", position=0)
    assert (lead.kind, lead.name, lead.contact_name, lead.uscc, lead.phone) == (
        "organisation", "三张商贸有限公司", "张三", USCC, claimant.phone,
    )  # fmt: skip
    assert dispute.claimant_name == "三张商贸有限公司"
    me = r.json()["parties"][0]
    assert me["uscc"] == USCC and me["phone"] == claimant.phone  # the contact sees their own
    assert dispute.is_claimant(claimant)


def test_a_grid_worker_files_for_several_claimants(body, grid_worker, respondent, api):
    body["respondent"] = {"name": "李四", "phone": respondent.phone}
    body["on_behalf_of"] = {"full_name": "业主甲", "phone": factories.next_phone()}
    body["co_claimants"] = [{"name": "业主乙", "phone": factories.next_phone()},
                            {"name": "业主丙", "phone": factories.next_phone()}]  # fmt: skip
    r = api(grid_worker).post(FILE, body, format="json")
    assert r.status_code == 201, r.json()
    dispute = Dispute.objects.get(pk=r.json()["id"])
    names = list(dispute.parties.filter(side="claimant").values_list("name", flat=True))
    assert names == ["业主甲", "业主乙", "业主丙"]
    # Staff see every phone masked and the USCCs in full.
    assert all("****" in p["phone"] for p in r.json()["parties"])


def test_a_resident_may_not_name_co_claimants(body, claimant, respondent, api):
    body["respondent"] = {"name": "李四", "phone": respondent.phone}
    body["co_claimants"] = [{"name": "业主乙", "phone": factories.next_phone()}]
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400 and "co_claimants" in r.json()["errors"]
