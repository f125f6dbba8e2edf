"""The case handler's workspace: the escalated-case queue and the case page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from tests import factories

from .conftest import CAUCUS_SECRET, CAUCUS_SECRET_2, JOINT_LINES

pytestmark = pytest.mark.django_db


def escalate_many(n: int, regions, claimant, grid_worker, grid="grid1") -> list[Dispute]:
    out = []
    for i in range(n):
        d = factories.file_dispute(claimant, regions[grid], f"1391000{i:04d}", title=f"纠纷{i}")
        services.fire(d.pk, "escalate", by=grid_worker, payload={"reason": f"上报原因{i}"})
        out.append(d)
    return out


def rows(page: str) -> list[str]:
    import re

    return re.findall(r'data-reference="([^"]+)"', page)


def test_the_queue_lists_escalated_cases_soonest_deadline_first(
    regions, claimant, grid_worker, street_handler, page_as
):
    disputes = escalate_many(3, regions, claimant, grid_worker)
    now = timezone.now()
    for d, hours in zip(disputes, [30, 5, 12], strict=True):
        Dispute.objects.filter(pk=d.pk).update(due_at=now + timedelta(hours=hours))
    Dispute.objects.filter(pk=disputes[0].pk).update(due_at=None)
    page = page_as(street_handler).get("/cases/").content.decode()
    refs = [Dispute.objects.get(pk=d.pk).reference for d in (disputes[1], disputes[2], disputes[0])]
    assert rows(page) == refs
    assert "上报原因1" in page and "上报原因2" in page


def test_each_row_shows_why_and_a_short_history(escalated, street_handler, page_as):
    page = page_as(street_handler).get("/cases/").content.decode()
    assert rows(page) == [escalated.reference]
    assert "双方对赔偿金额分歧过大" in page  # the escalation reason
    assert f'action="/cases/{escalated.pk}/actions/take_case/"' in page
    # The last four timeline lines, newest first, and how often it was escalated.
    from django.utils import translation

    from disputes.labels import ACTION_LABELS

    glance = page[page.index('class="glance"') :]
    assert glance.count("<li>") == 4
    with translation.override("zh-hans"):
        labels = [
            str(ACTION_LABELS[n]) for n in ("fail_mediation", "decline_settlement", "propose_settlement")
        ]
    assert glance.index(labels[0]) < glance.index(labels[1]) < glance.index(labels[2])


def test_the_queue_costs_the_same_queries_for_2_or_20_rows(
    regions, claimant, grid_worker, street_handler, page_as
):
    client = page_as(street_handler)
    escalate_many(2, regions, claimant, grid_worker)
    client.get("/cases/")
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client.get("/cases/").content.decode())) == 2
    grid2_worker = factories.staff("grid_worker", regions["grid2"], username="gw2")
    escalate_many(18, regions, claimant, grid2_worker, grid="grid2")
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client.get("/cases/").content.decode())) == 20
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_handlers_see_their_level_and_region_only(
    regions, claimant, grid_worker, street_handler, district_handler, page_as
):
    mine = escalate_many(1, regions, claimant, grid_worker)[0]
    other_worker = factories.staff("grid_worker", regions["grid3"], username="gw3")
    elsewhere = escalate_many(1, regions, claimant, other_worker, grid="grid3")[0]
    lingyin = factories.staff("case_handler", regions["street2"], username="lingyin")
    assert rows(page_as(street_handler).get("/cases/").content.decode()) == [mine.reference]
    assert rows(page_as(lingyin).get("/cases/").content.decode()) == [
        Dispute.objects.get(pk=elsewhere.pk).reference
    ]
    assert sorted(rows(page_as(district_handler).get("/cases/").content.decode())) == sorted(
        [mine.reference, Dispute.objects.get(pk=elsewhere.pk).reference]
    )


@pytest.mark.parametrize("who", ["claimant", "grid_worker", "mediator", "outsider"])
def test_the_workspace_is_for_case_handlers(who, cast, page_as, regions):
    assert page_as(cast(who)).get("/cases/").status_code == 403


def test_taking_a_case_from_the_queue(escalated, street_handler, page_as):
    client = page_as(street_handler)
    response = client.post(f"/cases/{escalated.pk}/actions/take_case/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{escalated.pk}/"
    escalated.refresh_from_db()
    assert escalated.state == "case_handling" and escalated.case_handler == street_handler
    page = client.get("/cases/").content.decode()
    assert rows(page) == [escalated.reference]  # now under "My cases"
    assert "take_case/" not in page


def test_the_case_page_holds_the_whole_record(handled, street_handler, claimant, page_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pages.helpers import png

    evidence = services.add_evidence(handled, by=claimant, upload=SimpleUploadedFile("现场.png", png()))
    page = page_as(street_handler).get(f"/cases/{handled.pk}/").content.decode()
    masked = f"{handled.claimant_phone[:3]}****{handled.claimant_phone[-4:]}"
    assert handled.claimant_phone not in page
    for expected in [handled.reference, "双方对赔偿金额分歧过大", masked, "现场.png", evidence.sha256,
                     *JOINT_LINES, "赔偿金额过高不能接受", "李四于2026年12月31日前赔偿张三维修费人民币1200元。",
                     f"/api/v1/disputes/{handled.pk}/dossier/", 'name="question"',
                     f"/cases/{handled.pk}/actions/conclude/", f"/cases/{handled.pk}/actions/return_to_mediation/"]:  # fmt: skip
        assert expected in page, expected
    assert CAUCUS_SECRET not in page and CAUCUS_SECRET_2 not in page


def test_a_handler_who_does_not_hold_the_case_sees_it_without_actions(handled, district_handler, page_as):
    page = page_as(district_handler).get(f"/cases/{handled.pk}/").content.decode()
    assert handled.reference in page
    assert "/actions/" not in page and 'name="question"' not in page


@pytest.mark.parametrize("who, status", [("claimant", 403), ("grid_worker", 403), ("outsider", 404)])
def test_the_case_page_refuses_others(who, status, handled, cast, page_as):
    assert page_as(cast(who)).get(f"/cases/{handled.pk}/").status_code == status


def test_another_streets_handler_gets_404(handled, regions, page_as):
    lingyin = factories.staff("case_handler", regions["street2"], username="lingyin")
    assert page_as(lingyin).get(f"/cases/{handled.pk}/").status_code == 404
    assert (
        page_as(lingyin).post(f"/cases/{handled.pk}/actions/conclude/", {"outcome": "dismissed"}).status_code
        == 404
    )


def test_returning_to_mediation_from_the_case_page(handled, street_handler, page_as):
    client = page_as(street_handler)
    client.post(f"/cases/{handled.pk}/actions/return_to_mediation/", {"reason": "街道层级再调解"})
    handled.refresh_from_db()
    assert handled.state == "awaiting_mediator" and handled.level == 1


def test_an_action_without_its_reason_changes_nothing(handled, street_handler, page_as, snapshot):
    before = snapshot(handled)
    page_as(street_handler).post(f"/cases/{handled.pk}/actions/return_to_mediation/", {"reason": ""})
    assert snapshot(handled) == before


def test_only_workspace_actions_are_accepted(handled, street_handler, page_as):
    assert page_as(street_handler).post(f"/cases/{handled.pk}/actions/withdraw/").status_code == 404


def test_asking_from_the_case_page(handled, street_handler, page_as):
    client = page_as(street_handler)
    due = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/cases/{handled.pk}/info-requests/", {"party": "claimant", "question": "请补充照片", "due_at": due}
    )
    assert handled.info_requests.get().question == "请补充照片"
    assert "请补充照片" in client.get(f"/cases/{handled.pk}/").content.decode()


def test_the_dispute_page_links_handlers_to_the_case_page(handled, street_handler, claimant, page_as):
    link = f'href="/cases/{handled.pk}/"'
    assert link in page_as(street_handler).get(f"/disputes/{handled.pk}/").content.decode()
    assert link not in page_as(claimant).get(f"/disputes/{handled.pk}/").content.decode()
    assert 'href="/cases/"' in page_as(street_handler).get("/disputes/").content.decode()
