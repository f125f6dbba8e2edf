"""Related and duplicate disputes at intake: the list with its reasons, links, duplicates
(docs/features/intake.md). Runs on SQLite (bigram fallback) and on PostgreSQL (pg_trgm):
DATABASE_URL=postgres://... pytest tests/disputes/test_related.py"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Place
from disputes import related, services
from disputes.models import Category, Dispute, DisputeEvent, DisputeLink
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

LEAK = "楼上卫生间漏水，导致我家客厅天花板大面积损坏，墙皮脱落，要求赔偿维修费用。"
LEAK_AGAIN = "楼上卫生间漏水，导致我家客厅天花板损坏，墙皮脱落，要求对方赔偿维修费用。"
PARKING = "小区停车位被长期占用，物业不予处理，要求恢复车位使用。"
WAGES = "装修工程款拖欠三个月未付，多次催讨无果。"


def related_of(api, user, dispute) -> dict[int, dict]:
    r = api(user).get(f"/api/v1/disputes/{dispute.pk}/related/")
    assert r.status_code == 200, r.content
    return {row["id"]: row for row in r.json()["results"]}


def kinds(row: dict) -> set[str]:
    return {reason["kind"] for reason in row["reasons"]}


def on_behalf(worker, grid, claimant_phone: str, respondent_phone: str, *, title: str, description: str):
    """A filing by the grid worker for a resident with no account (any phone pair)."""
    dispute, _ = services.file_dispute(
        by=worker, title=title, description=description, category=Category.objects.get(slug="neighbourhood"),
        grid=grid, respondent_name="某某", respondent_phone=respondent_phone,
        on_behalf_of={"full_name": "某居民", "phone": claimant_phone},
    )  # fmt: skip
    return dispute


@pytest.fixture
def file(regions, grid_worker, other_grid_worker):
    def make(claimant_phone=None, respondent_phone=None, *, title="纠纷", description=WAGES, grid="grid1"):
        worker = other_grid_worker if grid == "grid3" else grid_worker
        return on_behalf(
            worker, regions[grid], claimant_phone or factories.next_phone(),
            respondent_phone or factories.next_phone(), title=title, description=description,
        )  # fmt: skip

    return make


# --- reasons ----------------------------------------------------------------------------------
def test_same_claimant_and_same_respondent_match_by_phone_and_strangers_do_not(api, file, grid_worker):
    earlier_same_claimant = file("13900000001", "13900000002", title="工资", description=WAGES)
    earlier_same_respondent = file("13900000003", "13900000004", title="停车", description=PARKING)
    stranger = file("13900000005", "13900000006", title="停车位", description="宠物狗夜间吠叫扰民。")
    new = file("13900000001", "13900000004", title="漏水", description=LEAK)

    found = related_of(api, grid_worker, new)
    assert kinds(found[earlier_same_claimant.pk]) == {"claimant_phone"}
    assert found[earlier_same_claimant.pk]["reasons"][0]["detail"] == "同一申请人"
    assert kinds(found[earlier_same_respondent.pk]) == {"respondent_phone"}
    assert stranger.pk not in found
    assert found[earlier_same_claimant.pk]["reference"] == earlier_same_claimant.reference
    assert found[earlier_same_claimant.pk]["state"] == "filed"
    assert found[earlier_same_claimant.pk]["linked"] is False


def test_a_party_on_the_other_side_is_named_so(api, file, grid_worker, settings):
    settings.LANGUAGE_CODE = "en"
    earlier = file("13900000011", "13900000012", title="工资", description=WAGES)
    # The earlier respondent now files against the earlier claimant.
    new = file("13900000012", "13900000011", title="反诉", description=PARKING)
    reasons = {r["kind"]: r["detail"] for r in related_of(api, grid_worker, new)[earlier.pk]["reasons"]}
    assert reasons == {
        "claimant_phone": "The claimant here is the respondent there",
        "respondent_phone": "The respondent here is the claimant there",
    }


def test_same_place_matches_and_another_place_does_not(api, file, regions, grid_worker):
    estate = Place.objects.create(grid=regions["grid1"], name="金桥花园")
    market = Place.objects.create(grid=regions["grid1"], name="农贸市场")
    same = file(title="噪音", description=PARKING)
    elsewhere = file(title="摊位", description="摊位费被无故上涨一倍。")
    new = file(title="漏水", description=WAGES.replace("装修", "保洁"))
    Dispute.objects.filter(pk__in=[same.pk, new.pk]).update(place=estate)
    Dispute.objects.filter(pk=elsewhere.pk).update(place=market)
    new.refresh_from_db()

    found = related_of(api, grid_worker, new)
    assert kinds(found[same.pk]) == {"place"}
    assert "金桥花园" in found[same.pk]["reasons"][0]["detail"]
    assert elsewhere.pk not in found


def test_a_similar_chinese_text_matches_with_a_score_and_a_different_one_does_not(api, file, grid_worker):
    similar = file(title="楼上漏水", description=LEAK)
    different = file(title="停车位被占", description=PARKING)
    new = file(title="楼上漏水赔偿", description=LEAK_AGAIN)

    found = related_of(api, grid_worker, new)
    (reason,) = found[similar.pk]["reasons"]
    assert reason["kind"] == "text"
    assert 0.3 <= reason["score"] <= 1
    assert different.pk not in found


def test_later_closed_disputes_are_left_out_and_later_open_ones_shown(api, file, grid_worker, advance):
    new = file("13900000021", "13900000022", title="漏水", description=LEAK)
    later_open = file("13900000021", "13900000023", title="工资", description=WAGES)
    later_rejected = advance(
        file("13900000021", "13900000024", title="停车", description=PARKING), "rejected"
    )
    found = related_of(api, grid_worker, new)
    assert later_open.pk in found
    assert later_rejected.pk not in found


def test_the_list_holds_no_phone_and_no_blind_index(api, file, grid_worker):
    earlier = file("13900000031", "13900000032", title="工资", description=WAGES)
    new = file("13900000031", "13900000032", title="漏水", description=LEAK)
    body = api(grid_worker).get(f"/api/v1/disputes/{new.pk}/related/").content.decode()
    assert str(earlier.pk) in body
    for secret in (
        "13900000031",
        "13900000032",
        "0031",
        new.claimant_phone_index,
        new.respondent_phone_index,
    ):
        assert secret not in body


# --- who sees it ------------------------------------------------------------------------------
def test_only_staff_in_charge_see_the_list(
    api, dispute, claimant, outsider, other_grid_worker, street_handler
):
    url = f"/api/v1/disputes/{dispute.pk}/related/"
    assert api(claimant).get(url).status_code == 403
    assert api(claimant).get(url).json()["code"] == "permission_denied"
    assert api(outsider).get(url).status_code == 404
    assert api(other_grid_worker).get(url).status_code == 404
    assert api().get(url).status_code == 401
    assert api(street_handler).get(url).status_code == 200


def test_disputes_the_viewer_cannot_see_are_never_listed(api, file, grid_worker, other_grid_worker):
    elsewhere = file("13900000041", "13900000042", title="漏水", description=LEAK, grid="grid3")
    new = file("13900000041", "13900000042", title="漏水", description=LEAK)
    assert elsewhere.pk not in related_of(api, grid_worker, new)
    assert api(other_grid_worker).get(f"/api/v1/disputes/{new.pk}/related/").status_code == 404


# --- links ------------------------------------------------------------------------------------
def timeline(api, user, dispute) -> list[dict]:
    return api(user).get(f"/api/v1/disputes/{dispute.pk}/events/").json()


def test_linking_puts_a_related_event_on_both_timelines(api, file, grid_worker):
    earlier = file("13900000051", "13900000052", title="工资", description=WAGES)
    new = file("13900000051", "13900000053", title="漏水", description=LEAK)
    r = api(grid_worker).post(f"/api/v1/disputes/{new.pk}/links/", {"dispute": earlier.pk}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "related"
    assert sorted(r.json()["disputes"]) == sorted([new.pk, earlier.pk])

    for this, other in ((new, earlier), (earlier, new)):
        event = timeline(api, grid_worker, this)[-1]
        assert set(event) == {
            "id",
            "transition",
            "from_state",
            "to_state",
            "actor",
            "reason",
            "payload",
            "at",
        }
        assert event["transition"] == "related"
        assert event["payload"] == {
            "kind": "related",
            "dispute": {"id": other.pk, "reference": other.reference},
        }
        assert event["actor"]["id"] == grid_worker.pk
    assert related_of(api, grid_worker, new)[earlier.pk]["linked"] is True


def test_bad_links_are_refused_and_change_nothing(api, file, grid_worker, claimant, dispute, regions):
    earlier = file(title="工资", description=WAGES)
    elsewhere = file(title="别处", description=PARKING, grid="grid3")
    url = f"/api/v1/disputes/{dispute.pk}/links/"
    gw = api(grid_worker)
    assert gw.post(url, {"dispute": dispute.pk}, format="json").status_code == 400
    for body in (
        {},
        {"dispute": "x"},
        {"dispute": earlier.pk, "kind": "duplicate"},
        [1],
        {"dispute": 10**30},
    ):
        r = gw.post(url, body, format="json")
        assert r.status_code == 400, (body, r.content)
        assert r.json()["code"]
    assert gw.post(url, {"dispute": elsewhere.pk}, format="json").status_code == 404
    assert gw.post(url, {"dispute": 999999}, format="json").status_code == 404
    assert api(claimant).post(url, {"dispute": earlier.pk}, format="json").status_code == 403
    assert not DisputeLink.objects.exists()
    assert not DisputeEvent.objects.filter(transition="related").exists()

    assert gw.post(url, {"dispute": earlier.pk}, format="json").status_code == 201
    again = api(grid_worker).post(
        f"/api/v1/disputes/{earlier.pk}/links/", {"dispute": dispute.pk}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert DisputeLink.objects.count() == 1
    assert DisputeEvent.objects.filter(transition="related").count() == 2


# --- duplicates -------------------------------------------------------------------------------
def test_marking_a_duplicate_rejects_it_links_it_and_tells_the_claimant_the_original(
    api, regions, claimant, respondent, grid_worker
):
    original = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="楼上漏水")
    copy = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="楼上漏水（再次）")
    r = api(grid_worker).post(
        f"/api/v1/disputes/{copy.pk}/transitions/reject/",
        {"reason": "重复申请", "referral_advice": "请关注原纠纷进展", "duplicate_of": original.pk},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "rejected"
    event = timeline(api, grid_worker, copy)[-1]
    assert event["transition"] == "reject"
    assert event["reason"] == "重复申请"
    assert event["payload"]["duplicate_of"] == {"id": original.pk, "reference": original.reference}
    link = DisputeLink.objects.get()
    assert (link.kind, {link.low_id, link.high_id}) == ("duplicate", {original.pk, copy.pk})
    mark = timeline(api, grid_worker, original)[-1]
    assert mark["transition"] == "related"
    assert mark["payload"] == {"kind": "duplicate", "dispute": {"id": copy.pk, "reference": copy.reference}}

    notice = Notification.objects.get(dispute_id=copy.pk, kind="reject", user=claimant, channel="in_app")
    assert original.reference in notice.body
    assert "请关注原纠纷进展" in notice.body
    assert "重复" in notice.title


def test_a_duplicate_of_a_related_link_turns_the_link_into_a_duplicate(api, file, grid_worker):
    original = file("13900000061", "13900000062", title="工资", description=WAGES)
    copy = file("13900000061", "13900000062", title="工资再次", description=WAGES + "。")
    related.link(copy, original.pk, by=grid_worker)
    r = api(grid_worker).post(
        f"/api/v1/disputes/{copy.pk}/transitions/reject/",
        {"reason": "重复", "duplicate_of": original.pk},
        format="json",
    )
    assert r.status_code == 200
    assert DisputeLink.objects.get().kind == "duplicate"
    notice = Notification.objects.filter(dispute_id=copy.pk, kind="reject", channel="sms").get()
    assert original.reference in notice.body


def test_bad_duplicates_are_refused_and_change_nothing(api, file, grid_worker, advance, claimant):
    original = file(title="工资", description=WAGES)
    elsewhere = file(title="别处", description=PARKING, grid="grid3")
    copy = file(title="工资再次", description=WAGES + "!")
    url = f"/api/v1/disputes/{copy.pk}/transitions/reject/"
    gw = api(grid_worker)
    assert gw.post(url, {"reason": "重复", "duplicate_of": copy.pk}, format="json").status_code == 400
    assert gw.post(url, {"reason": "重复", "duplicate_of": elsewhere.pk}, format="json").status_code == 404
    assert gw.post(url, {"reason": "重复", "duplicate_of": "abc"}, format="json").status_code == 400
    assert gw.post(url, {"duplicate_of": original.pk}, format="json").status_code == 400  # no reason
    assert (
        api(claimant).post(url, {"reason": "x", "duplicate_of": original.pk}, format="json").status_code
        == 404
    )
    copy.refresh_from_db()
    assert copy.state == "filed"
    assert not DisputeLink.objects.exists()

    accepted = advance(file(title="已受理", description=LEAK), "awaiting_response")
    r = gw.post(
        f"/api/v1/disputes/{accepted.pk}/transitions/reject/", {"reason": "重复", "duplicate_of": original.pk},
        format="json",
    )  # fmt: skip
    assert r.status_code == 409
    assert not DisputeLink.objects.exists()
    assert not DisputeEvent.objects.filter(transition="related").exists()


# --- cost -------------------------------------------------------------------------------------
def test_the_list_costs_the_same_queries_for_few_and_many_results(api, file, grid_worker, regions):
    estate = Place.objects.create(grid=regions["grid1"], name="金桥花园")

    def world(n: int):
        phone = factories.next_phone()
        earlier = [file(phone, title=f"漏水{i}", description=LEAK + str(i)) for i in range(n)]
        new = file(phone, title="漏水", description=LEAK_AGAIN)
        Dispute.objects.filter(pk__in=[d.pk for d in [*earlier, new]]).update(place=estate)
        for d in earlier[:2]:
            related.link(new, d.pk, by=grid_worker)
        return new

    def count(new) -> tuple[int, int]:
        client = api(grid_worker)
        client.get(f"/api/v1/disputes/{new.pk}/related/")  # warm the per-process checks
        with CaptureQueriesContext(connection) as queries:
            rows = client.get(f"/api/v1/disputes/{new.pk}/related/").json()["results"]
        return len(queries), len(rows)

    few_queries, few = count(world(2))
    many_queries, many = count(world(12))
    assert many > few >= 2
    assert many_queries == few_queries
    assert many_queries <= 14


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_on_postgresql_trigrams_see_chinese_and_score_the_texts(file):
    assert related.trigrams_usable()
    similar = file(title="楼上漏水", description=LEAK)
    file(title="停车位被占", description=PARKING)
    new = file(title="楼上漏水赔偿", description=LEAK_AGAIN)
    candidates = Dispute.objects.exclude(pk=new.pk).filter(grid_id=new.grid_id).order_by("-pk")
    found = list(related.trigram_query(candidates, related.text_of(new.title, new.description)))
    assert [pk for pk, _ in found] == [similar.pk]
    assert found[0][1] >= related.TEXT_THRESHOLD
