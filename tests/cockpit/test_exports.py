"""CSV and XLSX exports: staff only, the list's filters, formulas neutralised, Chinese intact."""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from disputes.models import Dispute
from disputes.reports import exports
from tests import factories

pytestmark = pytest.mark.django_db

NASTY = ['=HYPERLINK("http://evil","点我")', "+86 123", "-1+2", "@SUM(A1)", "\tTAB", "\rCR", "普通标题"]


@pytest.fixture
def nasty(regions, claimant, respondent):
    return [
        factories.file_dispute(
            claimant, regions["grid1"], respondent.phone, title=title, respondent_name=title
        )
        for title in NASTY
    ]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_neutralises_formulas_and_keeps_chinese(api, nasty, grid_worker):
    response = api(grid_worker).get(
        "/api/v1/disputes/export/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    with translation.override("zh-hans"):
        assert rows[0] == exports.header()
    titles = {row[1] for row in rows[1:]}
    assert titles == {"'" + t if t[0] in "=+-@\t\r" else t for t in NASTY}
    for row in rows[1:]:
        assert all(not cell or cell[0] not in "=+-@\t\r" for cell in row), row


def test_xlsx_neutralises_formulas(api, nasty, grid_worker):
    response = api(grid_worker).get("/api/v1/disputes/export/", {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(NASTY)
    titles = {row[1].value for row in rows}
    assert titles == {"'" + t if t[0] in "=+-@\t\r" else t for t in NASTY}
    for row in rows:
        assert all(cell.data_type != "f" for cell in row)
        assert all(not isinstance(c.value, str) or c.value[:1] not in "=+-@\t\r" for c in row)


def test_exports_follow_the_list_filters(api, nasty, grid_worker, regions, claimant, respondent):
    other = factories.file_dispute(claimant, regions["grid2"], respondent.phone, title="别处")
    client = api(grid_worker)
    rows = read_csv(client.get("/api/v1/disputes/export/", {"format": "csv", "q": "普通"}))
    assert [r[1] for r in rows[1:]] == ["普通标题"]
    # grid2 is outside the grid worker's area: never exported.
    rows = read_csv(client.get("/api/v1/disputes/export/", {"format": "csv"}))
    assert other.reference not in {r[0] for r in rows}
    assert client.get("/api/v1/disputes/export/", {"format": "csv", "from": "nope"}).status_code == 400


def test_queue_export_is_the_callers_queue(api, nasty, grid_worker):
    rows = read_csv(api(grid_worker).get("/api/v1/queue/export/", {"format": "csv"}))
    assert {r[0] for r in rows[1:]} == set(
        Dispute.objects.filter(state="filed").values_list("reference", flat=True)
    )


def test_exports_are_for_staff(api, nasty, claimant, grid_worker):
    assert api(claimant).get("/api/v1/disputes/export/", {"format": "csv"}).status_code == 403
    assert api(None).get("/api/v1/disputes/export/", {"format": "csv"}).status_code == 401
    response = api(grid_worker).get("/api/v1/disputes/export/", {"format": "pdf"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_export_links_on_the_list_page(client, nasty, grid_worker):
    client.force_login(grid_worker)
    html = client.get("/disputes/queue/", {"state": "filed"}).content.decode()
    assert "/api/v1/disputes/export/?format=csv&amp;state=filed" in html
    assert "/api/v1/queue/export/?format=xlsx" in html
    response = client.get("/api/v1/disputes/export/?format=csv&state=filed")
    assert response.status_code == 200


def test_export_reads_in_a_constant_number_of_queries(api, nasty, grid_worker, regions, claimant, respondent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(grid_worker)

    def count():
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get("/api/v1/disputes/export/", {"format": "csv"}).streaming_content)
        return len(captured)

    before = count()
    for n in range(10):
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=f"多{n}")
    assert count() == before
