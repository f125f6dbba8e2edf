"""The self-help pages, the filing prefill, the walk counts and the API (docs/features/self-help.md)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from disputes.models import Dispute, Guide, GuideWalk
from disputes.selfhelp.services import STARTS_PER_HOUR, walk_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def guides(db):
    cache.clear()  # the per-address window of walk starts is shared by every test's client
    call_command("load_guides", verbosity=0)


def walk(client: Client, slug: str, options: list[int]) -> GuideWalk:
    """Start `slug` and answer `options` in turn; returns the walk."""
    response = client.post(f"/help/{slug}/")
    assert response.status_code == 302
    pk = int(re.search(r"/walk/(\d+)/", response["Location"]).group(1))
    for step, option in enumerate(options):
        response = client.post(f"/help/walk/{pk}/step/{step}/", {"option": option})
        assert response.status_code == 302, response.content
    return GuideWalk.objects.get(pk=pk)


def test_an_anonymous_resident_walks_to_an_outcome_and_can_go_back():
    client = Client()
    assert "楼上漏水" in client.get("/help/").content.decode()
    w = walk(client, "water-leak", [0, 1])
    assert w.outcome == "compensation" and w.user is None and w.session_hash
    page = client.get(f"/help/walk/{w.pk}/outcome/").content.decode()
    assert "《民法典》第一千一百六十五条" in page and 'id="file-for-mediation"' in page
    # Back to the second question, which remembers the answer; answering differently changes the end.
    back = client.get(f"/help/walk/{w.pk}/step/1/").content.decode()
    assert 'value="1" checked' in back
    client.post(f"/help/walk/{w.pk}/step/1/", {"option": 0})
    w.refresh_from_db()
    assert w.outcome == "repair" and len(w.answers) == 2


def test_english_pages():
    client = Client(headers={"accept-language": "en"})
    client.cookies["django_language"] = "en"
    w = walk(client, "unpaid-wages", [0, 1])
    page = client.get(f"/help/walk/{w.pk}/outcome/").content.decode()
    assert "Labour Dispute Mediation and Arbitration Law, art. 27" in page


def test_an_outcome_outside_mediation_offers_no_filing():
    client = Client()
    w = walk(client, "elderly-support", [0])
    page = client.get(f"/help/walk/{w.pk}/outcome/").content.decode()
    assert "110" in page and "file-for-mediation" not in page
    assert client.get(f"/disputes/new/?walk={w.pk}").status_code == 302  # sign in first
    assert w.outcome == "violence"


def test_bad_answers_and_unknown_pages():
    client = Client()
    w = walk(client, "water-leak", [])
    base = f"/help/walk/{w.pk}"
    for bad in ("", "9", "-1", "x", "1" * 30):
        assert client.post(f"{base}/step/0/", {"option": bad}).status_code == 400
    assert client.get(f"{base}/step/5/").status_code == 404  # not reached yet
    assert client.get(f"{base}/outcome/").status_code == 404  # no outcome yet
    assert client.get("/help/no-such-guide/").status_code == 404
    walk(client, "water-leak", [0, 0])
    assert client.get(f"/help/walk/{w.pk + 1}/letters/no-such-letter/").status_code == 404


def test_another_browser_never_sees_a_walk():
    mine, other = Client(), Client()
    w = walk(mine, "water-leak", [0, 1])
    for url in (
        f"/help/walk/{w.pk}/step/0/",
        f"/help/walk/{w.pk}/outcome/",
        f"/help/walk/{w.pk}/letters/damage-claim/",
    ):
        assert other.get(url).status_code == 404
    assert other.post(f"/help/walk/{w.pk}/step/0/", {"option": 1}).status_code == 404
    w.refresh_from_db()
    assert w.outcome == "compensation"


def test_the_letter_page_escapes_and_the_download_carries_the_facts():
    client = Client()
    w = walk(client, "deposit-not-returned", [0, 0])
    url = f"/help/walk/{w.pk}/letters/deposit-demand/"
    form = client.get(url).content.decode()
    assert 'name="amount"' in form and 'name="today"' not in form
    facts = {"claimant_name": "<b>张三</b>", "respondent_name": "王房东\r\nX-Injected: 1", "amount": "3000",
             "address": "宝石小区3幢201", "incident_date": "2026年11月1日", "reply_by": "2026年12月15日",
             "details": "押金收据见附件"}  # fmt: skip
    page = client.post(url, {**facts, "format": "html"}).content.decode()
    assert "&lt;b&gt;张三&lt;/b&gt;" in page and "<b>张三</b>" not in page
    download = client.post(url, {**facts, "format": "txt"})
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == 'attachment; filename="letter-deposit-demand.txt"'
    text = download.content.decode("utf-8")
    assert "人民币3000元" in text and "宝石小区3幢201" in text
    assert "王房东 X-Injected: 1" in text  # the CR/LF became a space, on the letter's own line
    too_long = client.post(url, {**facts, "claimant_name": "张" * 51, "format": "txt"})
    assert too_long.status_code == 400
    assert client.post(url, {**facts, "format": "exe"}).status_code == 400


# --- filing ---------------------------------------------------------------------------------
def test_a_walk_prefills_the_filing_and_counts_as_filed(claimant, respondent, regions):
    client = Client()
    client.force_login(claimant)
    w = walk(client, "water-leak", [0, 1])
    page = client.get(f"/disputes/new/?walk={w.pk}&amount=1200").content.decode()
    assert "楼上漏水: 维修并赔偿损失" in page and "漏水是否已经造成财产损失？" in page
    assert 'value="1200.00"' in page and f'name="walk" value="{w.pk}"' in page
    from disputes.models import Category

    response = client.post(
        "/disputes/new/",
        {
            "walk": w.pk, "title": "楼上漏水: 维修并赔偿损失", "description": "楼上漏水，天花板受损。",
            "category": Category.objects.get(slug="neighbourhood").pk, "grid": regions["grid1"].pk,
            "respondent_name": "李四", "respondent_phone": respondent.phone, "language": "zh-hans",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    w.refresh_from_db()
    assert w.dispute == Dispute.objects.get()
    row = next(r for r in walk_counts() if r["guide"].slug == "water-leak")
    assert (row["ended"], row["filed"], row["without_filing"]) == (1, 1, 0)


def test_another_users_walk_fills_nothing_and_is_not_linked(claimant, outsider, respondent, regions):
    theirs = Client()
    theirs.force_login(outsider)
    w = walk(theirs, "water-leak", [0, 1])
    client = Client()
    client.force_login(claimant)
    page = client.get(f"/disputes/new/?walk={w.pk}").content.decode()
    assert "维修并赔偿损失" not in page and 'name="walk"' not in page
    for bad in ("abc", "-1", "9" * 40, ""):
        assert client.get(f"/disputes/new/?walk={bad}").status_code == 200
    from disputes.models import Category

    client.post(
        "/disputes/new/",
        {
            "walk": w.pk, "title": "t", "description": "d", "category": Category.objects.get(slug="neighbourhood").pk,
            "grid": regions["grid1"].pk, "respondent_name": "李四", "respondent_phone": respondent.phone,
            "language": "zh-hans",
        },
    )  # fmt: skip
    assert Dispute.objects.count() == 1
    w.refresh_from_db()
    assert w.dispute is None


def test_an_anonymous_walk_carries_over_after_signing_in(claimant):
    client = Client()
    w = walk(client, "water-leak", [0, 1])
    client.post("/accounts/login/", {"username": "claimant", "password": "tiaojie-test-pw"})
    assert "_auth_user_id" in client.session
    assert "维修并赔偿损失" in client.get(f"/disputes/new/?walk={w.pk}").content.decode()


def test_walk_counts_by_guide_and_period():
    a, b = Client(), Client()
    walk(a, "water-leak", [0, 0])
    walk(b, "water-leak", [0])  # not finished
    walk(b, "consumer-refund", [1])
    rows = {r["guide"].slug: r for r in walk_counts()}
    assert (
        rows["water-leak"]["started"],
        rows["water-leak"]["ended"],
        rows["water-leak"]["without_filing"],
    ) == (2, 1, 1)
    assert rows["consumer-refund"]["without_filing"] == 1
    assert [r["guide"].slug for r in walk_counts(category="consumer")] == ["consumer-refund"]
    from datetime import date

    assert all(r["started"] == 0 for r in walk_counts(start=date(2000, 1, 1), end=date(2000, 1, 2)))


def test_the_cockpit_shows_the_count(street_handler):
    walk(Client(), "water-leak", [0, 0])
    client = Client()
    client.force_login(street_handler)
    page = client.get("/cockpit/").content.decode()
    assert re.search(r'data-guide="water-leak">.*?without-filing">1<', page, re.S)


# --- admin and API --------------------------------------------------------------------------
def test_editing_in_the_admin_publishes_a_version_and_refuses_a_broken_one(admin_client):
    guide = Guide.objects.get(slug="water-leak")
    content = guide.current().content
    form = {
        "slug": guide.slug, "category": guide.category_id, "position": 2, "title": guide.title,
        "title_en": guide.title_en, "active": "on", "versions-TOTAL_FORMS": 0, "versions-INITIAL_FORMS": 0,
    }  # fmt: skip
    broken = json.loads(json.dumps(content))
    broken["questions"]["where"]["options"][0]["next"] = "nowhere"
    response = admin_client.post(
        f"/admin/disputes/guide/{guide.pk}/change/", {**form, "content": json.dumps(broken)}
    )
    assert response.status_code == 200 and "nowhere" in response.content.decode()
    assert guide.versions.count() == 1
    edited = json.loads(json.dumps(content))
    edited["outcomes"]["repair"]["steps"].append({"zh": "新步骤", "en": "A new step"})
    response = admin_client.post(
        f"/admin/disputes/guide/{guide.pk}/change/", {**form, "content": json.dumps(edited)}
    )
    assert response.status_code == 302
    assert guide.versions.count() == 2 and guide.current().content == edited
    call_command("load_guides", verbosity=0)  # as `make run` does: the admin's edit stays current
    assert guide.versions.count() == 2 and guide.current().content == edited


def test_api_lists_guides_in_constant_queries_and_serves_content(django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(2):
        listing = client.get("/api/v1/guides/").json()
    assert len(listing) == 7 and listing[0]["version"] == 1
    detail = client.get("/api/v1/guides/water-leak/").json()
    assert detail["category"] == "neighbourhood" and "where" in detail["content"]["questions"]
    missing = client.get("/api/v1/guides/nope/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_one_address_starting_walks_without_end_is_refused_and_nothing_stored():
    for _ in range(STARTS_PER_HOUR):
        assert Client().post("/help/water-leak/").status_code == 302  # a fresh browser each time
    before = GuideWalk.objects.count()
    response = Client().post("/help/water-leak/")
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert GuideWalk.objects.count() == before
    assert Client().get("/help/water-leak/").status_code == 200  # reading stays open
