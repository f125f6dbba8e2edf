"""Risk alerts on the disputes (disputes.reports.alerts): each kind raised once, the street's
case handlers told once in their language, the cockpit, the alert page and the API show an
alert only to staff whose area holds one of its disputes."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import tasks
from disputes.models import Dispute, RiskAlert
from disputes.reports import alerts, risk
from notifications.models import Notification
from tests import factories

from . import risky

pytestmark = pytest.mark.django_db
K = RiskAlert.Kind


@pytest.fixture
def street2_handler(regions):
    return factories.staff("case_handler", regions["street2"], username="street2_handler", language="en")


@pytest.fixture
def cast3(street_handler, street2_handler, district_handler, grid_worker):
    return {
        "street1": street_handler,
        "street2": street2_handler,
        "district": district_handler,
        "grid1": grid_worker,
    }


@pytest.fixture
def world(regions, claimant, cast3):
    return risky.build(regions, claimant)


def notices(user) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user, channel=Notification.Channel.IN_APP, kind="risk_alert")
    )


def test_the_task_raises_each_kind_once(world, regions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.evaluate_risk() == 3
    by_kind = {a.kind: a for a in RiskAlert.objects.all()}
    assert set(by_kind) == {K.RISE, K.REPEAT_RESPONDENT, K.REPEAT_AFTER_SETTLEMENT}
    rise = by_kind[K.RISE]
    assert (rise.region, rise.grid, rise.category.slug) == (
        regions["street1"],
        regions["grid1"],
        "neighbourhood",
    )
    assert set(rise.disputes.all()) == set(world["rise"])
    assert rise.figures["count"] == 5 and rise.figures["baseline"] == 0.5 and rise.figures["p"] < 0.01
    assert rise.window_start == risk.latest_week(timezone.localdate())
    repeat = by_kind[K.REPEAT_RESPONDENT]
    assert repeat.region == regions["street1"] and set(repeat.disputes.all()) == set(world["repeat"])
    again = by_kind[K.REPEAT_AFTER_SETTLEMENT]
    assert again.region == regions["street2"]
    assert set(again.disputes.all()) == {world["earlier"], world["again"]}
    # Again, and through the command: nothing new, nobody told twice.
    assert tasks.evaluate_risk() == 0
    call_command("evaluate_risk", stdout=open("/dev/null", "w"))
    assert RiskAlert.objects.count() == 3
    assert Notification.objects.filter(kind="risk_alert", channel="in_app").count() == 3


def test_the_street_handlers_are_told_in_their_language_and_nobody_else(world, cast3):
    alerts.evaluate()
    street1 = notices(cast3["street1"])
    assert sorted(n.title for n in street1) == sorted(
        ["风险预警：宝石一网格纠纷增多", "风险预警：同一被申请人多次被诉"]
    )
    assert all(n.link.startswith("/cockpit/alerts/") for n in street1)
    (english,) = notices(cast3["street2"])
    assert english.title == "Risk alert: new dispute after a settlement" and "Lingyin Street" in english.body
    assert notices(cast3["district"]) == [] and notices(cast3["grid1"]) == []
    # No phone or blind index in a notice.
    for n in street1 + [english]:
        assert world["again"].respondent_phone_index not in n.body and "139555" not in n.body


def test_no_alert_on_a_steady_grid(regions, claimant, cast3):
    today = timezone.localdate()
    for w in range(9):  # two a week, every week, in grid1
        for i in range(2):
            risky.filed(
                claimant, regions["grid1"], risky.at(risk.latest_week(today) - timedelta(weeks=w), 9 + i)
            )
    assert alerts.evaluate() == []


def test_two_in_ninety_days_or_three_in_two_streets_is_no_repeat(regions, claimant):
    today = timezone.localdate()
    same = risky.phone()
    risky.filed(claimant, regions["grid1"], risky.at(today - timedelta(days=5)), respondent_phone=same)
    risky.filed(claimant, regions["grid2"], risky.at(today - timedelta(days=50)), respondent_phone=same)
    risky.filed(claimant, regions["grid3"], risky.at(today - timedelta(days=6)), respondent_phone=same)
    risky.filed(claimant, regions["grid1"], risky.at(today - timedelta(days=120)), respondent_phone=same)
    assert risk.repeat_respondent_candidates(today) == []


def test_a_repeat_respondent_alert_grows_instead_of_repeating(world, claimant, regions):
    alerts.evaluate()
    (repeat,) = RiskAlert.objects.filter(kind=K.REPEAT_RESPONDENT)
    index = world["repeat"][0].respondent_phone_index
    fourth = risky.filed(claimant, regions["grid2"], risky.at(timezone.localdate()), category="family",
                         respondent_phone=world["repeat"][0].respondent_phone)  # fmt: skip
    assert fourth.respondent_phone_index == index
    assert alerts.evaluate() == []
    repeat.refresh_from_db()
    assert repeat.disputes.count() == 4 and repeat.figures["count"] == 4


def test_an_open_dispute_before_is_no_settlement(regions, claimant):
    today = timezone.localdate()
    other = factories.UserFactory()
    risky.filed(
        claimant, regions["grid3"], risky.at(today - timedelta(days=60)), respondent_phone=other.phone
    )
    risky.filed(other, regions["grid3"], risky.at(today - timedelta(days=2)), respondent_phone=claimant.phone)
    assert risk.after_settlement_candidates(today) == []


def test_closed_fulfilled_counts_as_settled(regions, claimant):
    today = timezone.localdate()
    other = factories.UserFactory()
    first = risky.filed(
        claimant, regions["grid1"], risky.at(today - timedelta(days=80)), respondent_phone=other.phone,
        state="closed", outcome="fulfilled", closed_at=risky.at(today - timedelta(days=20)),
    )  # fmt: skip
    second = risky.filed(
        claimant, regions["grid1"], risky.at(today - timedelta(days=1)), respondent_phone=other.phone
    )
    (c,) = risk.after_settlement_candidates(today)
    assert c.dispute_ids == [first.pk, second.pk]


# --- who sees them ---------------------------------------------------------------------------------
ALERT = re.compile(r'data-alert="(\d+)"')


def seen_on_cockpit(client, user) -> set[str]:
    client.force_login(user)
    page = client.get("/cockpit/")
    assert page.status_code == 200
    return {RiskAlert.objects.get(pk=pk).kind for pk in ALERT.findall(page.content.decode())}


def test_the_cockpit_shows_the_alerts_in_scope_only(client, world, cast3):
    alerts.evaluate()
    assert seen_on_cockpit(client, cast3["street1"]) == {K.RISE, K.REPEAT_RESPONDENT}
    assert seen_on_cockpit(client, cast3["street2"]) == {K.REPEAT_AFTER_SETTLEMENT}
    assert seen_on_cockpit(client, cast3["district"]) == set(K.values)
    assert seen_on_cockpit(client, cast3["grid1"]) == {K.RISE, K.REPEAT_RESPONDENT}


def test_the_alert_page_lists_the_disputes_and_is_scoped(client, world, cast3, claimant):
    alerts.evaluate()
    rise = RiskAlert.objects.get(kind=K.RISE)
    client.force_login(cast3["street1"])
    page = client.get(f"/cockpit/alerts/{rise.pk}/").content.decode()
    assert {int(x) for x in re.findall(r'data-dispute="(\d+)"', page)} == {d.pk for d in world["rise"]}
    client.force_login(cast3["street2"])
    assert client.get(f"/cockpit/alerts/{rise.pk}/").status_code == 404
    assert client.post(f"/cockpit/alerts/{rise.pk}/acknowledge/").status_code == 404
    assert client.get("/cockpit/alerts/99999999/").status_code == 404
    client.force_login(claimant)
    assert client.get(f"/cockpit/alerts/{rise.pk}/").status_code == 403
    rise.refresh_from_db()
    assert rise.acknowledged_at is None


def test_acknowledging_takes_it_off_the_cockpit(client, world, cast3):
    alerts.evaluate()
    rise = RiskAlert.objects.get(kind=K.RISE)
    client.force_login(cast3["street1"])
    assert client.get(f"/cockpit/alerts/{rise.pk}/acknowledge/").status_code == 405
    assert client.post(f"/cockpit/alerts/{rise.pk}/acknowledge/").status_code == 302
    rise.refresh_from_db()
    assert rise.acknowledged_by == cast3["street1"]
    assert seen_on_cockpit(client, cast3["street1"]) == {K.REPEAT_RESPONDENT}


def test_the_api_lists_the_alerts_in_scope(client, world, cast3, regions, claimant):
    alerts.evaluate()
    client.force_login(cast3["street2"])
    body = client.get("/api/v1/risk-alerts/").json()
    assert [a["kind"] for a in body["results"]] == ["repeat_after_settlement"]
    assert body["results"][0]["region"]["name"]
    assert "subject" not in body["results"][0] and "fingerprint" not in body["results"][0]
    assert client.get("/api/v1/risk-alerts/", {"region": regions["street1"].pk}).status_code == 403
    assert client.get("/api/v1/risk-alerts/", {"region": 10**12}).status_code == 404
    bad = client.get("/api/v1/risk-alerts/", {"region": "x" * 300})
    assert bad.status_code == 400 and bad.json()["code"]
    client.force_login(cast3["district"])
    one = client.get("/api/v1/risk-alerts/", {"region": regions["street1"].pk}).json()
    assert {a["kind"] for a in one["results"]} == {"rise", "repeat_respondent"}
    # A grid worker sees only its grid's disputes behind an alert.
    client.force_login(cast3["grid1"])
    repeat = next(
        a for a in client.get("/api/v1/risk-alerts/").json()["results"] if a["kind"] == "repeat_respondent"
    )
    assert [d["id"] for d in repeat["disputes"]] == [world["repeat"][0].pk]
    client.force_login(claimant)
    assert client.get("/api/v1/risk-alerts/").status_code == 403


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_constant_query_counts(client, world, cast3, regions, claimant):
    alerts.evaluate()
    client.force_login(cast3["district"])
    few = (queries(client, "/api/v1/risk-alerts/"), queries(client, "/cockpit/"))
    # Many more alerts, each with its disputes.
    disputes = list(Dispute.objects.all()[:6])
    for n in range(12):
        a = RiskAlert.objects.create(
            kind=K.REPEAT_RESPONDENT, region=regions["street1"], window_start=timezone.localdate(),
            window_end=timezone.localdate(), fingerprint=f"extra{n}", opened_at=timezone.now(), figures={"count": 3},
        )  # fmt: skip
        a.disputes.add(*disputes)
    many = (queries(client, "/api/v1/risk-alerts/"), queries(client, "/cockpit/"))
    assert many == few


def test_the_command_takes_a_day_and_refuses_a_bad_one(world):
    from io import StringIO

    from django.core.management.base import CommandError

    out = StringIO()
    # A day long after: nothing recent enough for any rule.
    call_command("evaluate_risk", "--date", "2099-01-01", stdout=out)
    assert out.getvalue().startswith("0 new") and not RiskAlert.objects.exists()
    with pytest.raises(CommandError):
        call_command("evaluate_risk", "--date", "yesterday")
    call_command("evaluate_risk", stdout=out)
    assert RiskAlert.objects.count() == 3
