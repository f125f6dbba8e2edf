"""Notices reach every party and every approved representative; each party the dispute
still concerns rates once, itself or through its agent or guardian."""

from __future__ import annotations

import json

import pytest

from disputes import services
from disputes.models import DisputeEvent, Rating
from notifications.models import Notification

from .answers_cases import build, represent, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_outbox(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox" / "email")


def told(kind: str) -> set[str]:
    """The phones (of accounts or addresses) told of `kind` on any channel."""
    out = set()
    for n in Notification.objects.filter(kind=kind).select_related("user"):
        out.add(n.user.phone if n.user else n.address)
    return out


def test_serving_tells_every_respondent_and_their_representatives(regions, grid_worker, claimant, respondent):
    case = build(regions, grid_worker, claimant, respondent, 1, 3, serve=False)
    pending = represent(case.respondents[0], grid_worker, "agent", status="pending")
    services.fire(case.dispute.pk, "accept", by=grid_worker)
    phones = told("accept")
    for p in case.respondents:
        assert case.own[p.pk].phone in phones
        assert case.actor[p.pk].phone in phones
    assert pending.phone not in phones  # not yet approved
    assert claimant.phone in phones  # the claimant hears of it too (as with two parties)


def test_the_sms_outbox_format_is_kept_for_a_party_without_an_account(
    regions, grid_worker, claimant, respondent
):
    case = build(regions, grid_worker, claimant, respondent, 1, 1, serve=False)
    from disputes.parties.services import add_party

    add_party(case.dispute, by=grid_worker, side="respondent", name="陈七", phone="13999990001")
    services.fire(case.dispute.pk, "accept", by=grid_worker)
    rows = [n for n in Notification.objects.filter(kind="accept", user=None) if n.address == "13999990001"]
    assert rows and rows[0].channel == "sms" and rows[0].legal


def test_claimant_events_reach_every_claimant_still_taking_part(
    regions, grid_worker, claimant, respondent, api
):
    case = build(regions, grid_worker, claimant, respondent, 3, 1)
    first, second, third = case.claimants
    api(case.actor[second.pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    Notification.objects.all().delete()
    api(case.actor[case.respondents[0].pk]).post(url(case.dispute, "respondent_accept"), {}, format="json")
    phones = told("respondent_accept")
    assert {claimant.phone, case.own[third.pk].phone, case.actor[third.pk].phone} <= phones
    assert case.own[second.pk].phone not in phones and case.actor[second.pk].phone not in phones


def test_reminders_go_to_the_respondents_who_have_not_answered(
    regions, grid_worker, claimant, respondent, api
):
    case = build(regions, grid_worker, claimant, respondent, 1, 3)
    api(case.actor[case.respondents[0].pk]).post(url(case.dispute, "respondent_accept"), {}, format="json")
    services.record_event(case.dispute, "respondent_reminder", None, payload={"step": 1})
    phones = told("respondent_reminder")
    assert respondent.phone not in phones
    assert (
        case.own[case.respondents[1].pk].phone in phones
        and case.actor[case.respondents[2].pk].phone in phones
    )


def test_a_partial_decline_tells_no_case_handler(
    regions, grid_worker, claimant, respondent, street_handler, api
):
    case = build(regions, grid_worker, claimant, respondent, 1, 3)
    body = {"reason": "不同意"}
    api(case.actor[case.respondents[0].pk]).post(url(case.dispute, "respondent_decline"), body, format="json")
    assert street_handler.phone not in told("respondent_decline")
    assert claimant.phone in told("respondent_decline")


# --- ratings --------------------------------------------------------------------------------------
def closed_case(
    regions, grid_worker, claimant, respondent, street_handler, api, claimants, respondents, declines=()
):
    case = build(regions, grid_worker, claimant, respondent, claimants, respondents)
    for i, p in enumerate(case.respondents):
        name, body = ("respondent_decline", {"reason": "否"}) if i in declines else ("respondent_accept", {})
        assert api(case.actor[p.pk]).post(url(case.dispute, name), body, format="json").status_code == 200
    services.fire(case.dispute.pk, "escalate", by=grid_worker, payload={"reason": "紧急"})
    services.fire(case.dispute.pk, "take_case", by=street_handler)
    services.fire(case.dispute.pk, "conclude", by=street_handler, payload={"outcome": "dismissed"})
    return case.refresh()


def rate(api, user, case, body):
    return api(user).post(f"/api/v1/disputes/{case.dispute.pk}/rating/", body, format="json")


def test_each_party_taking_part_rates_once_an_agents_rating_counts_for_the_party(
    regions, grid_worker, claimant, respondent, street_handler, api
):
    case = closed_case(regions, grid_worker, claimant, respondent, street_handler, api, 1, 3, declines=(0,))
    decliner, by_agent, by_guardian = case.respondents
    assert rate(api, claimant, case, {"score": 4}).status_code == 201
    r = rate(api, case.actor[by_agent.pk], case, {"score": 5})
    assert r.status_code == 201 and r.json()["party"] == "respondent"
    # The party itself: its agent already rated for it.
    assert rate(api, case.own[by_agent.pk], case, {"score": 1}).status_code == 409
    assert rate(api, case.actor[by_guardian.pk], case, {"score": 3}).status_code == 201
    # A respondent who declined while others took part does not rate.
    assert rate(api, respondent, case, {"score": 1}).status_code == 403
    rows = sorted(Rating.objects.filter(dispute=case.dispute).values_list("dispute_party", "score"))
    assert rows == sorted([(case.claimants[0].pk, 4), (by_agent.pk, 5), (by_guardian.pk, 3)])
    payloads = list(
        DisputeEvent.objects.filter(dispute=case.dispute, transition="rated").values_list(
            "payload", flat=True
        )
    )
    assert {"party": by_agent.pk, "capacity": "agent"}.items() <= payloads[1].items()


def test_detail_shows_can_rate_and_my_rating_per_party(
    regions, grid_worker, claimant, respondent, street_handler, api
):
    case = closed_case(regions, grid_worker, claimant, respondent, street_handler, api, 1, 3)
    agent = case.actor[case.respondents[1].pk]
    detail = api(agent).get(f"/api/v1/disputes/{case.dispute.pk}/").json()
    assert detail["can_rate"] is True and detail["my_rating"] is None
    rate(api, agent, case, {"score": 2, "comment": "太慢"})
    detail = api(agent).get(f"/api/v1/disputes/{case.dispute.pk}/").json()
    assert detail["can_rate"] is False and detail["my_rating"]["score"] == 2
    # Its party sees the rating given for it.
    own = api(case.own[case.respondents[1].pk]).get(f"/api/v1/disputes/{case.dispute.pk}/").json()
    assert own["can_rate"] is False and own["my_rating"]["score"] == 2
    assert json.dumps(own)  # serialisable


def test_choosing_the_party_to_rate_for(regions, grid_worker, claimant, respondent, street_handler, api):
    case = closed_case(regions, grid_worker, claimant, respondent, street_handler, api, 1, 3)
    agent = case.actor[case.respondents[1].pk]
    assert rate(api, agent, case, {"score": 4, "party": case.respondents[0].pk}).status_code == 403
    assert rate(api, agent, case, {"score": 4, "party": case.respondents[1].pk}).status_code == 201


def test_partial_answers_and_withdrawals_say_so(regions, grid_worker, claimant, respondent, mediator, api):
    case = build(regions, grid_worker, claimant, respondent, 3, 3)
    first, second, third = case.respondents
    api(case.actor[first.pk]).post(url(case.dispute, "respondent_accept"), {}, format="json")
    api(case.actor[second.pk]).post(url(case.dispute, "respondent_decline"), {"reason": "否"}, format="json")
    titles = {n.title for n in Notification.objects.filter(user=claimant)}
    assert any("一名被申请人同意调解" in t for t in titles) and any(
        "一名被申请人拒绝调解" in t for t in titles
    )
    api(case.actor[third.pk]).post(url(case.dispute, "respondent_decline"), {"reason": "否"}, format="json")
    assert any("调解继续进行" in n.title for n in Notification.objects.filter(user=claimant))
    Notification.objects.all().delete()
    api(case.actor[case.claimants[1].pk]).post(url(case.dispute, "withdraw"), {}, format="json")
    rows = Notification.objects.filter(kind="withdraw").select_related("user")
    assert rows and all("一名申请人撤回" in n.title for n in rows)
    phones = {n.user.phone if n.user else n.address for n in rows}
    assert claimant.phone in phones and respondent.phone in phones
    assert case.own[second.pk].phone not in phones  # declined while another accepted
