"""The cockpit page: staff only, scoped, bilingual, every figure a link to its list."""

import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r'data-figure="(\w+)"><a href="([^"]+)"><span class="figure">([^<]+)</span>')
AREA_COUNT = re.compile(r'<section id="area">\s*<h2>[^<]*<span class="count">(\d+)</span>')


def area_count(client, href: str) -> int:
    page = client.get(unescape(href))
    assert page.status_code == 200
    return int(AREA_COUNT.search(page.content.decode()).group(1))


def test_each_figure_links_to_a_list_of_that_many_disputes(
    client, world, district_handler, regions, settings
):
    client.force_login(district_handler)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the user's saved language is Chinese
    page = client.get("/cockpit/", {"region": regions["street1"].pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Disputes by state" in html and "Grid by grid" in html
    figures = {name: (href, value) for name, href, value in FIGURE.findall(html)}
    assert set(figures) == {"total", "overdue", "resolved", "settled", "rated", "low_rated"}
    for name in ("total", "overdue", "resolved", "low_rated"):
        href, value = figures[name]
        assert area_count(client, href) == int(value), name
    # The grid table's numbers too.
    cells = re.findall(r'<td class="n"><a href="([^"]+)">(\d+)</a></td>', html)
    assert len(cells) >= 8
    for href, value in cells:
        assert area_count(client, href) == int(value), href


def test_the_cockpit_speaks_chinese_by_default(client, world, street_handler):
    client.force_login(street_handler)
    html = client.get("/cockpit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in html


def test_period_and_category_filters_apply(client, world, district_handler):
    client.force_login(district_handler)
    everything = client.get("/cockpit/").content.decode()
    narrow = client.get("/cockpit/", {"from": "2099-01-01", "category": "neighbourhood"}).content.decode()
    assert dict((n, v) for n, _, v in FIGURE.findall(everything))["total"] == "40"
    assert dict((n, v) for n, _, v in FIGURE.findall(narrow))["total"] == "0"


@pytest.mark.parametrize("who", ["mediator", "claimant", "outsider"])
def test_cockpit_is_for_grid_and_case_staff(client, world, cast, who):
    client.force_login(cast(who))
    assert client.get("/cockpit/").status_code == 403


def test_a_region_outside_the_area_is_refused(client, world, grid_worker, regions):
    client.force_login(grid_worker)
    assert client.get("/cockpit/", {"region": regions["street2"].pk}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/cockpit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
