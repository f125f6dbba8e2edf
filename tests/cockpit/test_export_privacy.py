"""Exports and personal data: phones masked unless revealed with a reason, the de-identified
research export, one audit entry per export (docs/personal-data-masking.md)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.models import AuditEntry
from disputes.models import Dispute
from disputes.reports.research import amount_band
from tests import factories

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"1[3-9][0-9]{9}")


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def filed(regions, claimant, respondent):
    """Two disputes in grid1 (the grid worker's), one in grid3 (not theirs), with amounts."""
    return [
        factories.file_dispute(
            claimant,
            regions[grid],
            respondent.phone,
            amount_claimed=Decimal(amount),
            respondent_address="杭州市西湖区北山路1号",
            description="请联系我13912345678",
        )  # fmt: skip
        for grid, amount in (("grid1", "800"), ("grid1", "12000"), ("grid3", "50000"))
    ]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="export").order_by("index"))


def test_the_export_masks_phones_by_default(filed, claimant, respondent, admin, api):
    rows = read_csv(api(admin).get("/api/v1/disputes/export/", {"format": "csv"}))
    body = "\n".join(",".join(r) for r in rows)
    assert not PHONE.search(body)
    assert {r[-2] for r in rows[1:]} == {f"{claimant.phone[:3]}****{claimant.phone[-4:]}"}
    (entry,) = exports()
    assert (entry.actor_id, entry.target) == (admin.pk, "disputes")
    assert entry.data == {"format": "csv", "rows": 3, "revealed": False}


def test_a_revealed_export_shows_phones_of_covered_disputes_only(
    filed, respondent, grid_worker, street_handler, api
):
    # The grid worker sees grid1's disputes only; the street handler sees grid1's at street level.
    params = {"format": "xlsx", "reveal_reason": "contact_party", "reveal_text": "电话回访"}
    book = load_workbook(
        io.BytesIO(b"".join(api(grid_worker).get("/api/v1/disputes/export/", params).streaming_content))
    )
    rows = [[c.value for c in row] for row in book.active.iter_rows(min_row=2)]
    assert len(rows) == 2 and {r[-1] for r in rows} == {respondent.phone}
    (entry,) = exports()
    assert entry.data == {
        "format": "xlsx", "rows": 2, "revealed": True, "reason": "contact_party", "text": "电话回访",
    }  # fmt: skip
    assert respondent.phone not in str(entry.data)


def test_a_revealed_export_keeps_uncovered_rows_masked(filed, respondent, street_handler, grid_worker, api):
    from disputes import services

    # grid1's first dispute escalates to the street; the street handler covers it, a district-level one not.
    services.fire(filed[0].pk, "escalate", by=grid_worker, payload={"reason": "上报"})
    rows = read_csv(
        api(street_handler).get(
            "/api/v1/disputes/export/", {"format": "csv", "reveal_reason": "serve_documents"}
        )
    )
    phones = {r[0]: r[-1] for r in rows[1:]}
    assert phones[Dispute.objects.get(pk=filed[0].pk).reference] == respondent.phone
    assert all(v == respondent.phone or not PHONE.search(v) for v in phones.values())


@pytest.mark.parametrize(
    "params",
    [
        {"reveal_reason": "curious"},
        {"reveal_reason": "other"},
        {"reveal_reason": "other", "reveal_text": "x" * 201},
    ],
)
def test_a_reveal_without_a_valid_reason_is_refused(params, filed, admin, api):
    r = api(admin).get("/api/v1/disputes/export/", {"format": "csv", **params})
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    assert exports() == []


def test_the_queue_export_is_audited_too(filed, grid_worker, api):
    read_csv(api(grid_worker).get("/api/v1/queue/export/", {"format": "csv"}))
    (entry,) = exports()
    assert entry.target == "queue" and entry.data["revealed"] is False


def test_the_research_export_has_no_personal_data(filed, claimant, respondent, admin, api):
    rows = read_csv(api(admin).get("/api/v1/disputes/export/research/", {"format": "csv", "level": "street"}))
    body = "\n".join(",".join(r) for r in rows)
    for secret in (claimant.phone, respondent.phone, "13912345678", "张三", "李四", "北山路", "楼上漏水",
                   *(d.reference for d in filed)):  # fmt: skip
        assert secret not in body, secret
    data = rows[1:]
    assert len(data) == 3
    pseudonyms = [r[0] for r in data]
    assert len(set(pseudonyms)) == 3 and all(re.fullmatch(r"[0-9a-f]{16}", p) for p in pseudonyms)
    assert sorted(r[1] for r in data) == ["北山街道", "北山街道", "灵隐街道"]
    assert sorted(r[6] for r in data) == ["5k-20k", "<1k", ">=20k"]
    assert all(re.fullmatch(r"\d{4}-\d{2}", r[7]) for r in data)
    # A new key for every export: the same dispute has another pseudonym in the next file.
    again = read_csv(
        api(admin).get("/api/v1/disputes/export/research/", {"format": "csv", "level": "street"})
    )
    assert not set(pseudonyms) & {r[0] for r in again[1:]}
    entry = exports()[0]
    assert (entry.target, entry.data) == (
        "research",
        {"format": "csv", "rows": 3, "revealed": False, "level": "street"},
    )


def test_the_research_export_at_grid_level_and_in_scope(filed, grid_worker, api):
    rows = read_csv(
        api(grid_worker).get("/api/v1/disputes/export/research/", {"format": "csv", "level": "grid"})
    )
    assert [r[1] for r in rows[1:]] == ["宝石一网格", "宝石一网格"]


def test_the_research_export_refuses_a_bad_level_and_non_staff(filed, admin, claimant, mediator, api):
    r = api(admin).get("/api/v1/disputes/export/research/", {"format": "csv", "level": "house"})
    assert r.status_code == 400
    assert api(claimant).get("/api/v1/disputes/export/research/").status_code == 403
    assert api(mediator).get("/api/v1/disputes/export/research/").status_code == 403
    assert exports() == []


def test_amount_bands():
    assert [amount_band(v) for v in (None, Decimal(0), Decimal("999.99"), Decimal(1000), Decimal(19999), Decimal(20000))] == [
        "", "<1k", "<1k", "1k-5k", "5k-20k", ">=20k",
    ]  # fmt: skip
