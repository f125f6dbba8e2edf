"""Eligibility, conflicts of interest and scoring: each rule alone flips the outcome."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services
from mediation.models import Assignment
from mediation.pool import ranking
from tests import factories

pytestmark = pytest.mark.django_db


def eligible_ids(dispute):
    return [c.user_id for c in ranking.rank(dispute).eligible]


def refusals_of(dispute, user):
    result = ranking.rank(dispute)
    return next(c.refusals for c in result.ineligible if c.user_id == user.pk)


def test_a_mediator_of_the_disputes_community_is_eligible(awaiting, mediator):
    assert eligible_ids(awaiting) == [mediator.pk]


def test_an_inactive_mediator_is_not_eligible(awaiting, mediator):
    mediator.mediator_profile.active = False
    mediator.mediator_profile.save()
    assert eligible_ids(awaiting) == []
    assert refusals_of(awaiting, mediator) == [["inactive", {}]]


def test_a_mediator_on_leave_today_is_not_eligible_but_future_leave_does_not_matter(awaiting, mediator):
    profile = mediator.mediator_profile
    today = timezone.localdate()
    profile.on_leave_from, profile.on_leave_until = today + timedelta(days=3), today + timedelta(days=9)
    profile.save()
    assert eligible_ids(awaiting) == [mediator.pk]
    profile.on_leave_from = today - timedelta(days=1)
    profile.save()
    assert eligible_ids(awaiting) == []
    assert refusals_of(awaiting, mediator)[0][0] == "on_leave"


def test_a_mediator_of_another_community_is_not_a_candidate(awaiting, mediator, make_mediator):
    make_mediator("community2")
    assert eligible_ids(awaiting) == [mediator.pk]


def test_a_street_mediator_above_the_grid_is_eligible_but_ranks_below_the_community(
    awaiting, mediator, make_mediator
):
    street = make_mediator("street1")
    assert eligible_ids(awaiting) == [mediator.pk, street.pk]


def test_after_escalation_community_mediators_no_longer_serve_the_raised_level(
    dispute, advance, mediator, make_mediator, street_handler
):
    street = make_mediator("street1")
    advance(dispute, "case_handling")
    services.fire(dispute.pk, "return_to_mediation", by=street_handler, payload={"reason": "再调解"})
    dispute.refresh_from_db()
    assert dispute.level == 1
    assert eligible_ids(dispute) == [street.pk]


def test_a_mediator_at_the_caseload_limit_is_not_eligible(awaiting, mediator, regions, claimant):
    mediator.mediator_profile.max_caseload = 1
    mediator.mediator_profile.save()
    assert eligible_ids(awaiting) == [mediator.pk]
    other = factories.file_dispute(claimant, regions["grid2"], factories.next_phone(), title="另一件")
    other_respondent = factories.UserFactory(phone=other.respondent_phone)
    grid2_worker = factories.staff("grid_worker", regions["grid2"])
    services.fire(other.pk, "accept", by=grid2_worker)
    services.fire(other.pk, "respondent_accept", by=other_respondent)
    services.fire(other.pk, "assign_mediator", by=grid2_worker, payload={"mediator": mediator.pk})
    assert eligible_ids(awaiting) == []
    assert refusals_of(awaiting, mediator) == [["at_capacity", {"open": 1, "max": 1}]]


def test_a_mediator_sharing_a_phone_with_a_party_is_not_eligible(awaiting, make_mediator):
    twin = make_mediator()
    twin.phone = awaiting.respondent_phone
    twin.phone_verified = False
    twin.save()
    assert twin.pk not in eligible_ids(awaiting)
    assert ["conflict_phone", {}] in refusals_of(awaiting, twin)


def test_same_surname_and_address_as_a_party_is_a_conflict_but_either_alone_is_not(
    awaiting, claimant, make_mediator
):
    claimant.address = "西湖区宝石二路 8 号 301"
    claimant.save()
    relative = make_mediator()
    relative.full_name, relative.address = "张建国", "西湖区宝石二路8号301"
    relative.save()
    assert refusals_of(awaiting, relative) == [["conflict_family", {}]]
    relative.full_name = "陈建国"
    relative.save()
    assert relative.pk in eligible_ids(awaiting)
    relative.full_name, relative.address = "张建国", "西湖区宝石三路1号"
    relative.save()
    assert relative.pk in eligible_ids(awaiting)


def test_a_past_dispute_as_a_party_with_either_side_is_a_conflict(
    awaiting, respondent, regions, make_mediator
):
    neighbour = make_mediator()
    assert neighbour.pk in eligible_ids(awaiting)
    factories.file_dispute(neighbour, regions["grid2"], respondent.phone, title="旧怨")
    assert refusals_of(awaiting, neighbour) == [["conflict_past_dispute", {}]]


def test_a_mediator_who_declined_is_excluded_from_this_dispute_only(
    awaiting, grid_worker, mediator, make_mediator
):
    other = make_mediator()
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    services.fire(awaiting.pk, "mediator_decline", by=mediator, payload={"reason": "回避亲属"})
    awaiting.refresh_from_db()
    assert eligible_ids(awaiting) == [other.pk]
    assert refusals_of(awaiting, mediator) == [["excluded_declined", {}]]


def test_a_replaced_mediator_is_excluded(awaiting, grid_worker, mediator, make_mediator):
    other = make_mediator()
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    services.fire(awaiting.pk, "replace_mediator", by=grid_worker, payload={"reason": "当事人申请回避"})
    awaiting.refresh_from_db()
    assert eligible_ids(awaiting) == [other.pk]
    assert refusals_of(awaiting, mediator) == [["excluded_replaced", {}]]


def test_expertise_outranks_proximity_load_and_fairness(awaiting, mediator, make_mediator):
    expert = make_mediator()
    expert.mediator_profile.expertise.add(awaiting.category)
    assert eligible_ids(awaiting)[0] == expert.pk
    top = ranking.rank(awaiting).eligible[0]
    assert top.breakdown["expertise"] == {"value": 1.0, "points": 30.0}
    assert [
        "expertise",
        {"category": "neighbourhood", "name": "邻里纠纷", "name_en": "Neighbourhood"},
    ] in top.reasons


def test_a_mediator_who_does_not_speak_a_partys_language_ranks_lower(
    awaiting, respondent, make_mediator, mediator
):
    respondent.language = "en"
    respondent.save()
    bilingual = make_mediator(languages=["zh", "en"])
    result = ranking.rank(awaiting)
    assert [c.user_id for c in result.eligible] == [bilingual.pk, mediator.pk]
    assert result.eligible[1].breakdown["language"]["value"] == 0.5


def test_ranking_is_deterministic_and_ties_go_to_the_longest_waiting(awaiting, mediator, make_mediator):
    others = [make_mediator() for _ in range(3)]
    now = timezone.now()
    first = ranking.rank(awaiting, now=now)
    second = ranking.rank(awaiting, now=now)
    assert [(c.user_id, c.score, c.breakdown) for c in first.eligible] == [
        (c.user_id, c.score, c.breakdown) for c in second.eligible
    ]
    assert [c.user_id for c in first.eligible] == sorted([mediator.pk] + [o.pk for o in others])
    others[0].mediator_profile.last_assigned_at = now - timedelta(days=30)
    others[0].mediator_profile.save()
    mediator.mediator_profile.last_assigned_at = now - timedelta(hours=1)
    mediator.mediator_profile.save()
    ranked = [c.user_id for c in ranking.rank(awaiting, now=now).eligible]
    assert ranked[-1] == mediator.pk


def test_auto_assignment_picks_the_top_and_stores_the_ranking(awaiting, grid_worker, mediator, make_mediator):
    expert = make_mediator()
    expert.mediator_profile.expertise.add(awaiting.category)
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": "auto"})
    awaiting.refresh_from_db()
    assert awaiting.state == "mediator_assigned" and awaiting.mediator == expert
    assignment = Assignment.objects.get(dispute=awaiting)
    assert (assignment.method, assignment.rank, assignment.candidates) == ("auto", 1, 2)
    assert [row["mediator"]["id"] for row in assignment.ranking] == [expert.pk, mediator.pk]
    assert assignment.assigned_by == grid_worker


def test_a_manual_choice_records_who_chose_whom_and_their_rank(
    awaiting, grid_worker, mediator, make_mediator
):
    expert = make_mediator()
    expert.mediator_profile.expertise.add(awaiting.category)
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": mediator.pk})
    assignment = Assignment.objects.get(dispute=awaiting)
    assert (assignment.method, assignment.rank, assignment.assigned_by) == ("manual", 2, grid_worker)


def test_a_grid_worker_can_override_a_pending_automatic_assignment(
    awaiting, grid_worker, mediator, make_mediator
):
    other = make_mediator()
    services.fire(awaiting.pk, "assign_mediator", by=None, payload={"mediator": "auto"})
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": other.pk})
    awaiting.refresh_from_db()
    assert awaiting.mediator == other
    history = list(Assignment.objects.filter(dispute=awaiting).values_list("mediator_id", "end_reason"))
    assert history == [(mediator.pk, "overridden"), (other.pk, "")]


def test_choosing_an_ineligible_mediator_is_refused_with_the_reason(api, awaiting, grid_worker, mediator):
    mediator.mediator_profile.active = False
    mediator.mediator_profile.save()
    r = api(grid_worker).post(
        f"/api/v1/disputes/{awaiting.pk}/transitions/assign_mediator/",
        {"mediator": mediator.pk},
        format="json",
    )
    assert r.status_code == 400
    assert "mediator" in r.json()["errors"]
    awaiting.refresh_from_db()
    assert awaiting.state == "awaiting_mediator" and not Assignment.objects.exists()


def test_a_profile_accepts_only_known_language_codes(mediator):
    from django.core.exceptions import ValidationError

    profile = mediator.mediator_profile
    profile.languages = ["zh", "wuu"]
    profile.full_clean()
    profile.languages = ["zh", "klingon"]
    with pytest.raises(ValidationError) as refused:
        profile.full_clean()
    assert "klingon" in str(refused.value)
