"""Who is told of each event, on which channels, in which language, and with what text."""

from __future__ import annotations

import pytest

from disputes import services
from notifications.models import Notification
from notifications.services import set_preference
from tests import factories

from .conftest import sent, who

pytestmark = pytest.mark.django_db


def test_accept_invites_a_respondent_without_account_by_sms_and_email(
    stranger_dispute, grid_worker, claimant
):
    claimant.email = "zhang@example.cn"
    claimant.save()
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    assert who("accept") == {
        ("13999990000", "sms"), ("chen@example.cn", "email"),
        ("claimant", "in_app"), ("claimant", "sms"), ("claimant", "email"),
    }  # fmt: skip
    stranger_dispute.refresh_from_db()
    invitation = sent("accept", channel="sms", address="13999990000")[0]
    assert invitation.legal and invitation.language == "zh-hans"
    assert invitation.title == f"{stranger_dispute.reference} 调解邀请"
    due = stranger_dispute.due_at.astimezone().strftime("%Y-%m-%d")
    assert due in invitation.body and "被申请人" in invitation.body
    assert invitation.link == f"https://tiaojie.example.cn/disputes/{stranger_dispute.pk}/"
    # The claimant gets the plain news, not the invitation.
    assert "调解邀请" not in sent("accept", user=claimant)[0].title


def test_respondent_with_account_is_invited_in_app_in_their_language(dispute, grid_worker, respondent):
    respondent.language = "en"
    respondent.email = "li@example.com"
    respondent.save()
    services.fire(dispute.pk, "accept", by=grid_worker)
    rows = sent("accept", user=respondent)
    assert {r.channel for r in rows} == {"in_app", "sms", "email"}
    assert all(r.language == "en" and r.title.endswith("invitation to mediation") for r in rows)
    assert "answer by" in rows[0].body


def test_the_actor_is_never_told_of_their_own_action(dispute, grid_worker):
    services.fire(dispute.pk, "accept", by=grid_worker)
    assert not sent("accept", user=grid_worker)
    assert sent("accept", user=dispute.filed_by)  # the others were told
    services.record_event(dispute, "sla_reminder", grid_worker, notify=[grid_worker])
    assert not sent("sla_reminder")
    reminder = dispute.events.get(transition="sla_reminder")
    assert reminder.actor == grid_worker  # recorded on the timeline, told to nobody


def test_reject_tells_the_claimant_why(dispute, grid_worker, claimant, respondent):
    services.fire(dispute.pk, "reject", by=grid_worker, payload={"reason": "不属于受理范围"})
    assert who("reject") == {("claimant", "in_app"), ("claimant", "sms")}
    assert "不属于受理范围" in sent("reject", channel="in_app")[0].body


def test_filing_tells_the_grid_workers_of_that_grid_only(
    regions, claimant, respondent, grid_worker, other_grid_worker
):
    factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="噪音")
    assert who("file") == {("grid_worker", "in_app"), ("grid_worker", "sms")}


def test_assignment_tells_the_mediator_and_the_claimant(dispute, advance, mediator, grid_worker):
    advance(dispute, "mediator_assigned")
    assert who("assign_mediator", channel="in_app") == {("mediator", "in_app"), ("claimant", "in_app")}
    assert "新的调解指派" in sent("assign_mediator", user=mediator)[0].title


def test_mediator_accept_tells_both_parties(dispute, advance):
    advance(dispute, "in_mediation")
    assert who("mediator_accept", channel="in_app") == {("claimant", "in_app"), ("respondent", "in_app")}


def test_settlement_to_sign_goes_to_both_parties_then_each_next_signer(
    dispute, advance, claimant, respondent, mediator, grid_worker
):
    advance(dispute, "awaiting_signatures")
    proposal = sent("propose_settlement", channel="in_app")
    assert {r.user for r in proposal} == {claimant, respondent} and all(r.legal for r in proposal)
    services.fire(
        dispute.pk, "sign", by=claimant, payload={"agree": True, "code": factories.sign_code(claimant)}
    )
    assert who("sign", channel="in_app") == {("respondent", "in_app")}
    services.fire(
        dispute.pk, "sign", by=respondent, payload={"agree": True, "code": factories.sign_code(respondent)}
    )
    assert who("sign", channel="in_app") == {("respondent", "in_app"), ("mediator", "in_app")}
    Notification.objects.all().delete()
    services.fire(
        dispute.pk, "sign", by=mediator, payload={"agree": True, "code": factories.sign_code(mediator)}
    )
    assert who("sign", channel="in_app") == {
        ("claimant", "in_app"),
        ("respondent", "in_app"),
        ("grid_worker", "in_app"),
    }
    assert "调解成功" in sent("sign", user=claimant)[0].title
    assert "回访" in sent("sign", user=grid_worker)[0].title
    # Settled: the parties may rate the handling, so the link opens the rating panel.
    assert sent("sign", user=claimant)[0].link.endswith(f"/disputes/{dispute.pk}/#rating")
    assert not proposal[0].link.endswith("#rating")


def test_escalation_tells_the_case_handlers_of_the_new_level_and_region(
    regions, dispute, grid_worker, street_handler, district_handler, claimant
):
    other_street = factories.staff("case_handler", regions["street2"], username="other_street")
    community = factories.staff("case_handler", regions["community1"], username="community_handler")
    services.fire(dispute.pk, "escalate", by=grid_worker, payload={"reason": "情况紧急"})
    handlers = {r.user.username for r in sent("escalate", channel="in_app") if r.user != claimant}
    # Raised to street level: handlers of street1 and the district, not community or another street.
    assert handlers == {"street_handler", "district_handler"}
    assert other_street and community
    assert not sent("escalate", channel="sms", legal=True)  # a grid worker's escalation is no breach


def test_claimant_is_told_of_every_change_of_state(dispute, advance, claimant):
    advance(dispute, "settled")
    kinds = {r.kind for r in sent(channel="in_app", user=claimant)}
    assert {
        "accept",
        "respondent_accept",
        "assign_mediator",
        "mediator_accept",
        "propose_settlement",
        "sign",
    } <= kinds


def test_timeout_decline_is_a_legal_notice(dispute, grid_worker, claimant):
    services.fire(dispute.pk, "accept", by=grid_worker)
    set_preference(claimant, sms=False, email=False)
    from disputes.models import Dispute

    # The SLA engine fires as the system (by=None); here the event is recorded as it would.
    d = Dispute.objects.get(pk=dispute.pk)
    services.record_event(d, "respondent_decline", None, reason="timeout")
    rows = sent("respondent_decline", user=claimant)
    assert {r.channel for r in rows} == {"in_app", "sms"} and all(r.legal for r in rows)


def test_respondent_reminder_reaches_a_respondent_without_account(stranger_dispute, grid_worker):
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    stranger_dispute.refresh_from_db()
    services.record_event(stranger_dispute, "respondent_reminder", None, payload={"step": 2})
    rows = sent("respondent_reminder")
    assert {(r.address, r.channel) for r in rows} == {("13999990000", "sms"), ("chen@example.cn", "email")}
    assert "第 2 天" in rows[0].body and rows[0].legal


def test_home_visit_task_goes_to_the_named_grid_workers_only(dispute, grid_worker, other_grid_worker):
    services.record_event(dispute, "home_visit_task", None, notify=[grid_worker])
    assert who("home_visit_task", channel="in_app") == {("grid_worker", "in_app")}
    assert "上门走访" in sent("home_visit_task")[0].title


@pytest.mark.parametrize(
    "name",
    ["sla_reminder", "sla_breach", "judicial_applied", "judicial_signed", "judicial_ready", "judicial_reminder",
     "judicial_expired", "judicial_outcome", "info_requested", "info_answered", "referral_sent",
     "review_opened", "review_answered", "followup_opened"],
)  # fmt: skip
def test_every_named_event_has_its_own_text_in_both_languages(name, dispute, outsider, street_handler):
    street_handler.language = "en"
    street_handler.save()
    services.record_event(dispute, name, None, notify=[outsider, street_handler])
    zh = sent(name, user=outsider, channel="in_app")[0]
    en = sent(name, user=street_handler, channel="in_app")[0]
    assert name not in zh.title and name not in en.title  # not the generic template
    assert dispute.reference in zh.title and dispute.reference in en.title
    assert zh.title != en.title and all(
        ord(c) < 0x3000 for c in en.title + en.body.replace(dispute.title, "") if c not in "“”"
    )
    assert zh.legal == (name in {"sla_breach"} or name.startswith("judicial_"))


def test_unknown_event_uses_the_generic_text_for_the_notify_list_only(dispute, outsider, claimant):
    services.record_event(dispute, "something_new", None, notify=[outsider])
    rows = sent("something_new", channel="in_app")
    assert [r.user for r in rows] == [outsider]
    assert rows[0].title == f"{dispute.reference}：something_new"


def test_notices_are_written_in_the_transaction_of_the_change(dispute, grid_worker):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.fire(dispute.pk, "accept", by=grid_worker)
        assert sent("accept")
        raise RuntimeError("the change rolls back")
    assert not sent("accept")


@pytest.mark.parametrize(
    "name, state, actor, payload, told",
    [
        ("respondent_accept", "awaiting_response", "respondent", {}, {"claimant"}),
        ("mediator_decline", "mediator_assigned", "mediator", {"reason": "案件冲突"}, {"claimant", "grid_worker"}),
        ("replace_mediator", "in_mediation", "grid_worker", {"reason": "当事人申请回避"},
         {"claimant", "respondent", "mediator"}),
        ("decline_settlement", "awaiting_signatures", "respondent", {"reason": "金额不对"}, {"claimant", "mediator"}),
        ("fail_mediation", "in_mediation", "mediator", {"reason": "分歧太大"},
         {"claimant", "respondent", "street_handler", "district_handler"}),
        # Escalated straight from intake: the respondent was never served, so is not told.
        ("take_case", "escalated", "street_handler", {}, {"claimant"}),
        ("return_to_mediation", "case_handling", "street_handler", {"reason": "可以调解"},
         {"claimant", "respondent", "grid_worker"}),
        ("conclude", "case_handling", "street_handler", {"outcome": "dismissed"}, {"claimant"}),
        ("withdraw", "in_mediation", "claimant", {}, {"respondent", "grid_worker", "mediator"}),
        ("escalate", "in_mediation", "grid_worker", {"reason": "情况紧急"},
         {"claimant", "respondent", "street_handler", "district_handler", "mediator"}),
    ],
)  # fmt: skip
def test_who_is_told_of_each_transition(
    name, state, actor, payload, told, dispute, advance, cast, district_handler
):
    advance(dispute, state)
    Notification.objects.all().delete()
    services.fire(dispute.pk, name, by=cast(actor), payload=payload)
    assert {r.user.username for r in sent(name, channel="in_app")} == told
    assert all(dispute.reference in r.title for r in sent(name))


@pytest.mark.parametrize(
    "name, actor, payload, told",
    [
        ("record_fulfilment", "grid_worker", {}, {"claimant", "respondent"}),
        ("report_breach", "claimant", {"reason": "未按期付款"},
         {"respondent", "street_handler", "district_handler", "mediator"}),
    ],
)  # fmt: skip
def test_who_is_told_after_settlement(name, actor, payload, told, dispute, advance, cast, district_handler):
    advance(dispute, "settled")
    Notification.objects.all().delete()
    services.fire(dispute.pk, name, by=cast(actor), payload=payload)
    assert {r.user.username for r in sent(name, channel="in_app")} == told
