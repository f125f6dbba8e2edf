"""Personal data in API answers: in full for the party themselves, masked for everyone else,
staff included (docs/personal-data-masking.md)."""

import json

import pytest

from accounts.phones import mask_phone
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def served(regions, claimant, respondent, advance):
    """An accepted dispute whose respondent gave an email address."""
    return advance(with_email(regions, claimant, respondent), "awaiting_response")


def with_email(regions, claimant, respondent):
    return factories.file_dispute(
        claimant, regions["grid1"], respondent.phone, respondent_email="lisi@example.com"
    )


def parties(api, user, dispute) -> tuple[dict, dict]:
    r = api(user).get(f"/api/v1/disputes/{dispute.pk}/")
    assert r.status_code == 200
    return r.json()["claimant"], r.json()["respondent"]


def test_the_claimant_sees_their_own_phone_and_the_respondents_masked(served, claimant, respondent, api):
    mine, theirs = parties(api, claimant, served)
    assert mine["phone"] == claimant.phone
    assert (
        theirs["phone"]
        == mask_phone(respondent.phone)
        == f"{respondent.phone[:3]}****{respondent.phone[-4:]}"
    )
    assert theirs["email"] == "***@example.com"


def test_the_respondent_sees_the_claimants_phone_masked(served, claimant, respondent, api):
    theirs, mine = parties(api, respondent, served)
    assert theirs["phone"] == mask_phone(claimant.phone)
    assert mine["phone"] == respondent.phone
    assert mine["email"] == "lisi@example.com"


@pytest.mark.parametrize("who", ["grid_worker", "street_handler", "district_handler", "admin"])
def test_staff_over_the_grid_see_contact_details_masked(who, served, claimant, respondent, api, cast):
    c, r = parties(api, cast(who), served)
    assert (c["phone"], r["phone"], r["email"]) == (
        mask_phone(claimant.phone),
        mask_phone(respondent.phone),
        "***@example.com",
    )
    body = api(cast(who)).get(f"/api/v1/disputes/{served.pk}/").content.decode()
    assert claimant.phone not in body and respondent.phone not in body and "lisi@" not in body


def test_the_assigned_mediator_sees_contact_details_masked(
    regions, advance, claimant, respondent, mediator, api
):
    dispute = advance(with_email(regions, claimant, respondent), "mediator_assigned")
    c, r = parties(api, mediator, dispute)
    assert (c["phone"], r["phone"]) == (mask_phone(claimant.phone), mask_phone(respondent.phone))


def test_lists_mask_exactly_as_the_detail_does(served, claimant, respondent, api):
    row = api(respondent).get("/api/v1/disputes/").json()["results"][0]
    assert row["claimant"]["phone"] == mask_phone(claimant.phone)
    assert row["respondent"]["phone"] == respondent.phone
    row = api(claimant).get("/api/v1/disputes/").json()["results"][0]
    assert row["respondent"]["phone"] == mask_phone(respondent.phone)


@pytest.mark.parametrize("who", ["claimant", "respondent"])
def test_a_party_never_receives_the_other_partys_number_anywhere_in_the_answer(
    who, served, claimant, respondent, api, cast
):
    other = respondent if who == "claimant" else claimant
    client = api(cast(who))
    for url in (
        f"/api/v1/disputes/{served.pk}/",
        "/api/v1/disputes/",
        f"/api/v1/disputes/{served.pk}/events/",
        "/api/v1/queue/",
    ):
        body = json.dumps(client.get(url).json(), ensure_ascii=False)
        assert other.phone not in body, url


def test_me_shows_my_phone_masked_and_never_my_id_number(claimant, api):
    claimant.id_number = "330106199001011234"
    claimant.save()
    r = api(claimant).get("/api/v1/auth/me/")
    assert r.status_code == 200
    assert r.json()["phone"] == mask_phone(claimant.phone)
    assert claimant.phone not in r.content.decode()
    assert "330106199001011234" not in r.content.decode()
    assert "password" not in r.json()


def test_no_answer_carries_id_numbers_or_password_hashes(served, claimant, grid_worker, api):
    claimant.id_number = "330106199001011234"
    claimant.save()
    for user in (claimant, grid_worker):
        client = api(user)
        for url in (
            f"/api/v1/disputes/{served.pk}/",
            f"/api/v1/disputes/{served.pk}/events/",
            "/api/v1/disputes/",
        ):
            body = client.get(url).content.decode()
            assert "330106199001011234" not in body
            assert "md5$" not in body and "pbkdf2" not in body
