"""The cockpit's trends: filings per week and per month, per grid and per category, equal
direct counts of the disputes and the row counts of the lists they link to; the SVG charts
are described in both languages."""

import itertools
import re
from datetime import date, datetime, time, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from disputes import selectors
from disputes.models import Dispute
from tests import factories

from .test_page import area_count

pytestmark = pytest.mark.django_db

CELL = re.compile(r'<td class="n"><a href="([^"]+)">(\d+)</a></td>')


def table(html: str, unit: str) -> str:
    return re.search(
        rf'<table class="grid-table trend-table" id="trend-{unit}">(.*?)</table>', html, re.S
    ).group(1)


def bins(html: str, unit: str) -> list[tuple[date, date, int, str]]:
    """(first day, last day, figure, link) of each bin of a trend's "All" row."""
    row = re.search(r'<tr data-row="total">(.*?)</tr>', table(html, unit), re.S).group(1)
    out = []
    for href, value in CELL.findall(row):
        q = parse_qs(urlsplit(unescape(href)).query)
        out.append((date.fromisoformat(q["from"][0]), date.fromisoformat(q["to"][0]), int(value), href))
    return out


def direct(a: date, b: date, **where) -> int:
    return selectors.filed_between(Dispute.objects.filter(**where), a, b).count()


@pytest.mark.parametrize("unit", ["week", "month"])
def test_trend_figures_equal_direct_counts(client, world, district_handler, regions, unit):
    client.force_login(district_handler)
    html = client.get("/cockpit/").content.decode()
    found = bins(html, unit)
    assert len(found) == 12
    assert sum(n for *_x, n, _h in found) == direct(found[0][0], found[-1][1]) > 0
    assert found[-1][1] == timezone.localdate()
    for a, b, n, _href in found:
        assert n == direct(a, b), (a, b)
    # Consecutive, non-overlapping bins ending today.
    for (_, b, *_r), (a2, *_s) in itertools.pairwise(found):
        assert a2 == b + timedelta(days=1)
    # Per grid and per category rows.
    body = table(html, unit)
    for grid in ("grid1", "grid2", "grid3"):
        row = re.search(rf'<tr data-grid="{regions[grid].pk}">(.*?)</tr>', body, re.S).group(1)
        counts = [int(x) for x in re.findall(r'<td class="n">(\d+)</td>', row)]
        assert counts[:-1] == [direct(a, b, grid=regions[grid]) for a, b, *_ in found]
        assert counts[-1] == sum(counts[:-1])
    for slug in ("neighbourhood", "tenancy"):
        row = re.search(rf'<tr data-category="{slug}">(.*?)</tr>', body, re.S).group(1)
        counts = [int(x) for x in re.findall(r'<td class="n">(\d+)</td>', row)]
        assert counts[:-1] == [direct(a, b, category__slug=slug) for a, b, *_ in found]


def test_each_bin_links_to_a_list_of_that_many(client, world, district_handler):
    client.force_login(district_handler)
    html = client.get("/cockpit/").content.decode()
    for _a, _b, n, href in bins(html, "month")[-4:]:
        assert area_count(client, href) == n


def test_trends_follow_the_scope_and_filters(client, world, street_handler, regions):
    client.force_login(street_handler)  # street1: grids 1 and 2
    start = timezone.localdate() - timedelta(days=40)
    html = client.get("/cockpit/", {"from": start.isoformat(), "category": "tenancy"}).content.decode()
    found = bins(html, "week")
    assert found[0][0] == start  # the first bin is cut at the period's start
    for a, b, n, _h in found:
        assert n == direct(a, b, grid__in=[regions["grid1"], regions["grid2"]], category__slug="tenancy")
    assert f'data-grid="{regions["grid3"].pk}"' not in table(html, "week")


def test_the_charts_are_described_in_both_languages(client, world, district_handler, settings):
    client.force_login(district_handler)
    zh = client.get("/cockpit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<title id="trend-week-t">每周受理纠纷数</title>' in zh
    assert '<title id="trend-month-t">每月受理纠纷数</title>' in zh
    assert re.search(r'<desc id="trend-week-d">各时段受理纠纷数（由早到晚）：[^<]*\d+', zh)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get("/cockpit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<title id="trend-week-t">Filings per week</title>' in en
    desc = re.search(
        r'<desc id="trend-month-d">Disputes filed in each period, earliest first: ([^<]*)</desc>', en
    ).group(1)
    figures = [int(part.rsplit(": ", 1)[1]) for part in desc.rstrip(".").split("; ")]
    assert figures == [n for *_x, n, _h in bins(en, "month")]
    assert 'aria-labelledby="trend-week-t trend-week-d"' in en


def test_month_bins_cut_by_the_period_count_exactly_its_days(
    client, world, street_handler, regions, claimant
):
    """The whole months come from the tallies and the cut months' days from the disputes: a
    period from the middle of one month to the middle of another counts the disputes filed on
    its first and last days and none from the days around it, per grid too, also after
    disputes moved to another grid or state (the tallies follow them)."""
    today = timezone.localdate()
    start, end = today - timedelta(days=80), today - timedelta(days=12)
    start += timedelta(days=1) if start.day == 1 else timedelta(0)  # cut months at both ends
    end -= timedelta(days=1) if (end + timedelta(days=1)).day == 1 else timedelta(0)
    for n, moment in enumerate(
        [
            datetime.combine(start, time(0, 0)),
            datetime.combine(start - timedelta(days=1), time(23, 59)),
            datetime.combine(end, time(23, 59)),
            datetime.combine(end + timedelta(days=1), time(0, 0)),
        ]  # fmt: skip
    ):
        d = factories.file_dispute(claimant, regions["grid1"], "13700000001", title=f"边界{n}")
        Dispute.objects.filter(pk=d.pk).update(created_at=timezone.make_aware(moment))
    grid1 = Dispute.objects.filter(grid=regions["grid1"]).order_by("pk")
    Dispute.objects.filter(pk=grid1[0].pk).update(grid=regions["grid2"])
    Dispute.objects.filter(pk=grid1[1].pk).update(grid=regions["grid3"], state=Dispute.State.CLOSED)
    Dispute.objects.filter(pk=grid1[2].pk).update(state=Dispute.State.WITHDRAWN)
    client.force_login(street_handler)  # street1: grids 1 and 2
    html = client.get("/cockpit/", {"from": start.isoformat(), "to": end.isoformat()}).content.decode()
    found = bins(html, "month")
    assert (found[0][0], found[-1][1]) == (start, end)
    assert len(found) >= 3  # a cut month, at least one whole month, a cut month
    street = [regions["grid1"], regions["grid2"]]
    assert direct(start, start, grid__in=street) >= 1 and direct(end, end, grid__in=street) >= 1
    for a, b, n, _href in found:
        assert n == direct(a, b, grid__in=street), (a, b)
    body = table(html, "month")
    for grid in ("grid1", "grid2"):
        row = re.search(rf'<tr data-grid="{regions[grid].pk}">(.*?)</tr>', body, re.S).group(1)
        counts = [int(x) for x in re.findall(r'<td class="n">(\d+)</td>', row)]
        assert counts[:-1] == [direct(a, b, grid=regions[grid]) for a, b, *_ in found]
    assert f'data-grid="{regions["grid3"].pk}"' not in body
