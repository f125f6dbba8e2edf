"""Each role lands on its work after signing in; a safe `next` still wins, an unsafe one never
(docs/features/desk.md)."""

import pytest
from django.test import Client

from accounts.models import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "tiaojie-test-pw"  # tests.factories.UserFactory
INTAKE = "/disputes/queue/?state=filed"
CASELOAD = "/mediation/pool/caseload/"
CASES = "/cases/"
MINE = "/disputes/"


def sign_in(user, next_url: str | None = None, **extra):
    data = {"username": user.username, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    browser = Client()
    r = browser.post(LOGIN, data, **extra)
    assert r.status_code == 302, r.content[:500]
    return browser, r["Location"]


@pytest.mark.parametrize(
    ("role", "region", "lands"),
    [
        ("grid_worker", "grid1", INTAKE),
        ("mediator", "community1", CASELOAD),
        ("case_handler", "street1", CASES),
    ],
)
def test_each_staff_role_lands_on_its_work(regions, role, region, lands):
    user = factories.staff(role, regions[region])
    browser, location = sign_in(user)
    assert location == lands
    assert browser.get(location).status_code == 200  # the page is theirs to open


def test_the_grid_worker_lands_on_the_filings_waiting_for_intake(regions, claimant, respondent):
    worker = factories.staff("grid_worker", regions["grid1"])
    filed = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    browser, location = sign_in(worker)
    page = browser.get(location).content.decode()
    assert filed.reference in page.split('id="area"')[1]


def test_a_resident_lands_on_their_disputes(claimant):
    browser, location = sign_in(claimant)
    assert location == MINE
    assert browser.get(location).status_code == 200


@pytest.mark.parametrize(
    ("held", "lands"),
    [
        (["case_handler", "mediator"], CASELOAD),
        (["mediator", "grid_worker"], INTAKE),
        (["case_handler", "grid_worker", "mediator"], INTAKE),
    ],
)
def test_several_roles_land_in_the_stated_order(regions, held, lands):
    user = factories.staff(held[0], regions["grid1"])
    for role in held[1:]:
        StaffRole.objects.create(user=user, role=role, region=regions["grid1"])
    assert sign_in(user)[1] == lands


@pytest.mark.parametrize("next_url", ["/disputes/", "/notifications/", "/cases/?page=2"])
def test_a_safe_next_still_wins(regions, next_url):
    worker = factories.staff("grid_worker", regions["grid1"])
    assert sign_in(worker, next_url)[1] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver.evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "https:///evil.example",
    ],
)
def test_an_unsafe_next_is_ignored_for_the_roles_landing(regions, next_url):
    worker = factories.staff("grid_worker", regions["grid1"])
    assert sign_in(worker, next_url)[1] == INTAKE


def test_an_unsafe_next_on_the_query_string_is_ignored_too(claimant):
    browser = Client()
    r = browser.post(f"{LOGIN}?next=https://evil.example/", {"username": "claimant", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == MINE


def test_a_signed_in_user_opening_the_login_page_goes_to_their_work(regions):
    handler = factories.staff("case_handler", regions["street1"])
    browser = Client()
    browser.force_login(handler)
    r = browser.get(LOGIN)
    assert r.status_code == 302 and r["Location"] == CASES


def test_a_wrong_password_lands_nowhere(regions):
    worker = factories.staff("grid_worker", regions["grid1"])
    r = Client().post(LOGIN, {"username": worker.username, "password": "wrong", "next": "/cases/"})
    assert r.status_code == 200 and "Location" not in r


def test_the_landing_rule_is_one_function():
    from accounts import roles

    assert [role for role, _, _ in roles.LANDING] == [
        StaffRole.Role.GRID_WORKER,
        StaffRole.Role.MEDIATOR,
        StaffRole.Role.CASE_HANDLER,
    ]
