"""Requests for information: the handler holding the case asks a party; only that party answers, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import hooks
from disputes.models import DisputeEvent, InfoRequest

pytestmark = pytest.mark.django_db


def url(dispute, rid=None) -> str:
    base = f"/api/v1/disputes/{dispute.pk}/info-requests/"
    return f"{base}{rid}/answer/" if rid else base


def soon(days: int = 3) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


@pytest.fixture
def notified():
    """Every (event name, notify list) recorded on the timeline during the test."""
    seen = []

    def listen(event, notify):
        seen.append((event.transition, list(notify)))

    hooks.ON_EVENT.append(listen)
    yield seen
    hooks.ON_EVENT.remove(listen)


def test_the_handler_asks_a_party_and_it_is_on_the_timeline(
    handled, street_handler, respondent, api, notified
):
    response = api(street_handler).post(
        url(handled), {"party": "respondent", "question": "请提供维修报价单", "due_at": soon()}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (
        body["party"] == "respondent"
        and body["answered_at"] is None
        and body["asked_by"]["id"] == street_handler.pk
    )
    event = DisputeEvent.objects.filter(dispute=handled).last()
    assert (event.transition, event.actor) == ("info_requested", street_handler)
    # The question is not on the timeline, which both parties read; the request holds it.
    assert (
        event.reason == ""
        and event.payload["request"] == body["id"]
        and event.payload["party"] == "respondent"
    )
    assert event.from_state == event.to_state == "case_handling"
    assert ("info_requested", [respondent]) in notified


def test_the_party_answers_once_and_the_handler_is_told(asked, respondent, street_handler, api, notified):
    response = api(respondent).post(
        url(asked.dispute, asked.pk), {"answer": "报价单已上传，共1500元"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["answer"] == "报价单已上传，共1500元" and response.json()["late"] is False
    asked.refresh_from_db()
    assert asked.answered_by == respondent and asked.answered_at is not None
    event = DisputeEvent.objects.filter(dispute=asked.dispute).last()
    assert (event.transition, event.actor, event.actor_role) == ("info_answered", respondent, "respondent")
    assert ("info_answered", [street_handler]) in notified
    again = api(respondent).post(url(asked.dispute, asked.pk), {"answer": "再补充一句"}, format="json")
    assert again.status_code == 409
    asked.refresh_from_db()
    assert asked.answer == "报价单已上传，共1500元"
    assert DisputeEvent.objects.filter(transition="info_answered").count() == 1


def test_the_other_party_may_not_answer(asked, claimant, api):
    response = api(claimant).post(url(asked.dispute, asked.pk), {"answer": "我替他回答"}, format="json")
    assert response.status_code == 403
    asked.refresh_from_db()
    assert asked.answered_at is None


@pytest.mark.parametrize("who", ["street_handler", "grid_worker"])
def test_staff_may_not_answer_for_a_party(who, asked, cast, api):
    assert (
        api(cast(who)).post(url(asked.dispute, asked.pk), {"answer": "代答"}, format="json").status_code
        == 403
    )


def test_an_outsider_gets_404_and_a_request_of_another_dispute_404(
    asked, outsider, respondent, api, regions, claimant
):
    assert api(outsider).post(url(asked.dispute, asked.pk), {"answer": "x"}, format="json").status_code == 404
    assert api(outsider).get(url(asked.dispute)).status_code == 404
    from tests import factories

    other = factories.file_dispute(claimant, regions["grid1"], "13911112222", title="另一件")
    assert api(claimant).post(url(other, asked.pk), {"answer": "x"}, format="json").status_code == 404


def test_a_late_answer_is_taken_and_marked_late(asked, respondent, api):
    InfoRequest.objects.filter(pk=asked.pk).update(due_at=timezone.now() - timedelta(hours=1))
    response = api(respondent).post(url(asked.dispute, asked.pk), {"answer": "抱歉晚了"}, format="json")
    assert response.status_code == 200 and response.json()["late"] is True
    assert DisputeEvent.objects.get(transition="info_answered").payload["late"] is True


def test_no_answer_once_the_case_is_concluded(asked, respondent, street_handler, api):
    from disputes import services

    services.fire(asked.dispute_id, "conclude", by=street_handler, payload={"outcome": "dismissed"})
    response = api(respondent).post(url(asked.dispute, asked.pk), {"answer": "太迟了"}, format="json")
    assert response.status_code == 409


def test_an_empty_answer_is_400(asked, respondent, api):
    response = api(respondent).post(url(asked.dispute, asked.pk), {"answer": "  "}, format="json")
    assert response.status_code == 400 and "answer" in response.json()["errors"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"party": "judge", "question": "?", "due_at": "2099-01-01T00:00:00+08:00"}, "party"),
        ({"party": "claimant", "question": "", "due_at": "2099-01-01T00:00:00+08:00"}, "question"),
        ({"party": "claimant", "question": "?", "due_at": "tomorrow"}, "due_at"),
        ({"party": "claimant", "question": "?", "due_at": "2020-01-01T00:00:00+08:00"}, "due_at"),
        ({"party": "claimant", "question": "?", "due_at": "2099-01-01T00:00:00+08:00"}, "due_at"),
    ],
)
def test_bad_requests_are_400(payload, field, handled, street_handler, api):
    response = api(street_handler).post(url(handled), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not InfoRequest.objects.exists()


def test_only_the_handler_holding_the_case_may_ask(
    escalated, street_handler, district_handler, grid_worker, claimant, api
):
    body = {"party": "claimant", "question": "请说明", "due_at": soon()}
    # Not taken yet: a case handler over it must take it first.
    assert api(street_handler).post(url(escalated), body, format="json").status_code == 409
    from disputes import services

    services.fire(escalated.pk, "take_case", by=street_handler, payload={})
    assert api(district_handler).post(url(escalated), body, format="json").status_code == 409
    assert api(grid_worker).post(url(escalated), body, format="json").status_code == 403
    assert api(claimant).post(url(escalated), body, format="json").status_code == 403
    assert not InfoRequest.objects.exists()


def test_an_unserved_respondent_cannot_be_asked(dispute, advance, street_handler, api):
    handled = advance(dispute, "case_handling")  # escalated straight from intake: never served
    body = {"party": "respondent", "question": "请说明", "due_at": soon()}
    assert api(street_handler).post(url(handled), body, format="json").status_code == 409


def test_each_party_lists_only_their_own_requests(asked, handled, street_handler, claimant, respondent, api):
    api(street_handler).post(
        url(handled), {"party": "claimant", "question": "请提供照片", "due_at": soon()}, format="json"
    )
    assert [r["party"] for r in api(street_handler).get(url(handled)).json()] == ["respondent", "claimant"]
    assert [r["question"] for r in api(claimant).get(url(handled)).json()] == ["请提供照片"]
    assert [r["question"] for r in api(respondent).get(url(handled)).json()] == ["请提供维修报价单"]


def test_the_party_answers_on_the_dispute_page(asked, respondent, page_as):
    client = page_as(respondent)
    page = client.get(f"/disputes/{asked.dispute_id}/").content.decode()
    assert (
        "请提供维修报价单" in page
        and f"/disputes/{asked.dispute_id}/info-requests/{asked.pk}/answer/" in page
    )
    response = client.post(
        f"/disputes/{asked.dispute_id}/info-requests/{asked.pk}/answer/", {"answer": "已上传"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.answer == "已上传"
    page = client.get(f"/disputes/{asked.dispute_id}/").content.decode()
    assert "已上传" in page and f"info-requests/{asked.pk}/answer/" not in page


def test_the_other_party_sees_no_answer_form_and_cannot_post(asked, claimant, page_as):
    client = page_as(claimant)
    page = client.get(f"/disputes/{asked.dispute_id}/").content.decode()
    assert "请提供维修报价单" not in page and "/answer/" not in page
    client.post(f"/disputes/{asked.dispute_id}/info-requests/{asked.pk}/answer/", {"answer": "冒名"})
    asked.refresh_from_db()
    assert asked.answered_at is None


# --- reminders and overdue notices (beat: disputes.tasks.sweep_information_requests) -------------
def sweep_at(request: InfoRequest, offset: timedelta) -> int:
    from disputes.casework import info_requests

    return info_requests.sweep_information_requests(request.due_at + offset)


def inbox(user, kind: str) -> list:
    from notifications.models import Notification

    return list(Notification.objects.filter(user=user, kind=kind, channel="in_app"))


def test_the_party_is_reminded_once_a_day_before_the_deadline(asked, respondent, notified):
    assert sweep_at(asked, -timedelta(days=1, hours=1)) == 0  # not yet
    assert sweep_at(asked, -timedelta(hours=23)) == 1
    event = DisputeEvent.objects.get(transition="info_reminder")
    assert (
        event.actor is None
        and event.payload["request"] == asked.pk
        and event.payload["party"] == "respondent"
    )
    assert ("info_reminder", [respondent]) in notified
    (notice,) = inbox(respondent, "info_reminder")
    assert asked.dispute.reference in notice.title
    assert f"{timezone.localtime(asked.due_at):%Y-%m-%d %H:%M}" in notice.body  # the request's own deadline
    assert sweep_at(asked, -timedelta(hours=22)) == 0  # once
    asked.refresh_from_db()
    assert asked.reminded_at is not None and asked.overdue_at is None


def test_the_handler_is_told_once_when_it_goes_unanswered(asked, street_handler, respondent, notified):
    assert sweep_at(asked, timedelta(minutes=5)) == 1  # a late sweep: no reminder after the deadline
    assert list(DisputeEvent.objects.filter(transition__in=["info_reminder", "info_overdue"]).values_list(
        "transition", flat=True
    )) == ["info_overdue"]  # fmt: skip
    assert ("info_overdue", [street_handler]) in notified
    assert len(inbox(street_handler, "info_overdue")) == 1 and not inbox(respondent, "info_overdue")
    assert sweep_at(asked, timedelta(hours=5)) == 0
    asked.refresh_from_db()
    assert asked.overdue_at is not None


def test_two_sweeps_that_read_the_same_request_send_one_reminder(asked):
    from disputes.casework import info_requests

    now = asked.due_at - timedelta(hours=2)
    assert info_requests._remind_or_report(asked, now) == 1
    assert info_requests._remind_or_report(asked, now) == 0  # the stale copy loses the claim
    assert DisputeEvent.objects.filter(transition="info_reminder").count() == 1


def test_no_reminder_for_an_answered_request_or_a_concluded_case(asked, respondent, street_handler, api):
    from disputes import services

    other = InfoRequest.objects.create(
        dispute=asked.dispute,
        party="claimant",
        question="请说明",
        due_at=asked.due_at,
        asked_by=street_handler,
    )
    assert (
        api(respondent).post(url(asked.dispute, asked.pk), {"answer": "已提交"}, format="json").status_code
        == 200
    )
    assert sweep_at(asked, timedelta(minutes=5)) == 1  # the claimant's, not the answered one
    assert DisputeEvent.objects.get(transition="info_overdue").payload["request"] == other.pk
    services.fire(asked.dispute_id, "conclude", by=street_handler, payload={"outcome": "dismissed"})
    InfoRequest.objects.filter(pk=other.pk).update(overdue_at=None)
    assert sweep_at(asked, timedelta(hours=1)) == 0  # the case is closed: nothing more
