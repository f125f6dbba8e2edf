"""Joint application for judicial confirmation (司法确认) of a sealed settlement."""

import hashlib
import re
import subprocess
from datetime import datetime, timedelta

import pytest
from asn1crypto import pem
from django.test import TestCase
from django.utils import timezone

from accounts.models import PhoneCode
from core.crypto import blind_index
from disputes import services
from disputes.models import DisputeEvent
from mediation.models import JudicialApplication
from mediation.settlements import agreements as settlements
from mediation.settlements import judicial, pki
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Stored PDFs of this test only, so leftover files are this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(dispute, tail: str = "") -> str:
    return f"/api/v1/disputes/{dispute.pk}/judicial/{tail}"


def ask_code(api, user, dispute, outbox) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api(user).post(url(dispute, "sign-code/"), {}, format="json")
    assert r.status_code == 200, r.json()
    return outbox.code(user.phone)


def sign(api, user, dispute, outbox):
    code = ask_code(api, user, dispute, outbox)
    return api(user).post(url(dispute, "sign/"), {"agree": True, "code": code}, format="json")


def judicial_code(user, application, code: str = "135790") -> str:
    """A code as sign-code/ would issue it for this application (no SMS)."""
    from django.contrib.auth.hashers import make_password

    PhoneCode.objects.filter(phone_index=blind_index(user.phone), purpose="sign", used_at=None).update(
        used_at=timezone.now()
    )
    PhoneCode.objects.create(
        phone=user.phone, user=user, purpose="sign", scope=judicial.sign_scope(application),
        code_hash=make_password(code), expires_at=timezone.now() + timedelta(minutes=10),
    )  # fmt: skip
    return code


def events(dispute) -> list[str]:
    return list(
        DisputeEvent.objects.filter(dispute=dispute, transition__startswith="judicial_").values_list(
            "transition", flat=True
        )
    )


@pytest.fixture
def settled(dispute, advance):
    return advance(dispute, "settled")


@pytest.fixture
def started(settled, respondent):
    judicial.start(settled, respondent)
    return settled


@pytest.fixture
def ready(started, claimant, respondent):
    application = JudicialApplication.objects.get(dispute=started)
    judicial.sign(started, respondent, code=judicial_code(respondent, application))
    judicial.sign(started, claimant, code=judicial_code(claimant, application))
    return started


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "judicial.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return "".join(out.split())


def test_the_joint_application_through_the_api(settled, claimant, respondent, api, outbox, tmp_path):
    r = api(respondent).post(url(settled), {}, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert (data["status"], data["initiator_role"], data["awaiting"], data["may_sign"]) == (
        "awaiting_signatures", "respondent", ["respondent"], True,
    )  # fmt: skip
    sealed = settlements.latest(settled).sealed_at
    closes = datetime.fromisoformat(data["window_closes_at"].replace("Z", "+00:00"))
    assert closes == sealed + timedelta(days=30)
    # The co-signer waits for the starter.
    assert api(claimant).post(url(settled, "sign-code/"), {}).status_code == 409
    assert api(claimant).get(url(settled)).json()["may_sign"] is False

    r = sign(api, respondent, settled, outbox)
    assert r.status_code == 200, r.json()
    assert (r.json()["status"], r.json()["awaiting"]) == ("awaiting_signatures", ["claimant"])
    r = sign(api, claimant, settled, outbox)
    assert r.status_code == 200, r.json()
    data = r.json()
    assert (data["status"], data["awaiting"]) == ("ready", [])
    assert [s["role"] for s in data["signatures"]] == ["respondent", "claimant"]
    assert [s["signer"] for s in data["signatures"]] == ["李四", "张三"]

    r = api(claimant).get(url(settled, "pdf/"))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    content = r.content
    assert data["sha256"] == hashlib.sha256(content).hexdigest()
    # The case record shows it: the status endpoint and the settlement record.
    assert api(respondent).get(url(settled)).json()["status"] == "ready"
    record = api(respondent).get(f"/api/v1/disputes/{settled.pk}/settlement/").json()
    assert record["judicial"] == {"status": "ready", "url": url(settled)}

    path = tmp_path / "app.pdf"
    path.write_bytes(content)
    db = tmp_path / "nss"
    db.mkdir()
    (tmp_path / "root.pem").write_bytes(pki.root_pem())
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", str(tmp_path / "root.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    # The issuing CA installed too: poppler's NSS checks OCSP answers only against a known issuer
    # (docs/features/trust-services.md, "pdfsig").
    (tmp_path / "issuing.pem").write_bytes(pem.armor("CERTIFICATE", pki.issuing_certificate().dump()))
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "issuing", "-t", ",,", "-i", str(tmp_path / "issuing.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    report = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{db}", str(path)], capture_output=True
    ).stdout.decode()
    blocks = re.split(r"^Signature #\d+:$", report, flags=re.M)[1:]
    assert len(blocks) == 2, report
    assert [re.search(r"Common Name: (.*)", b).group(1) for b in blocks] == ["李四", "张三"]
    for block in blocks:
        assert "Signature Validation: Signature is Valid." in block, block
        assert "Certificate Validation: Certificate is Trusted." in block, block
    assert "Total document signed" in blocks[-1]

    text = pdf_text(content, tmp_path)
    settlement = settlements.latest(settled)
    for expected in ["司法确认申请书", "张三", "李四", settled.reference, settlement.verification_code,
                     settlement.sha256, *["".join(t.split()) for t in factories.SETTLEMENT["terms"]], "自愿"]:  # fmt: skip
        assert expected in text, expected
    # Applicants' phones are masked.
    assert claimant.phone not in text and respondent.phone not in text

    assert events(settled) == ["judicial_applied", "judicial_signed", "judicial_signed", "judicial_ready"]
    applied = DisputeEvent.objects.get(dispute=settled, transition="judicial_applied")
    assert (applied.actor, applied.actor_role) == (respondent, "respondent")
    for event in DisputeEvent.objects.filter(dispute=settled, transition="judicial_signed"):
        assert "code" not in event.payload


def test_notifications_name_the_other_party_and_then_both(settled, claimant, respondent):
    from disputes import hooks

    seen = []

    def listen(event, notify):
        seen.append((event.transition, sorted(u.pk for u in notify)))

    hooks.ON_EVENT.append(listen)
    try:
        judicial.start(settled, claimant)
        application = JudicialApplication.objects.get(dispute=settled)
        judicial.sign(settled, claimant, code=judicial_code(claimant, application))
        judicial.sign(settled, respondent, code=judicial_code(respondent, application))
    finally:
        hooks.ON_EVENT.remove(listen)
    both = sorted([claimant.pk, respondent.pk])
    assert seen == [
        ("judicial_applied", [respondent.pk]),
        ("judicial_signed", [respondent.pk]),
        ("judicial_signed", [claimant.pk]),
        ("judicial_ready", both),
    ]


def test_an_outsider_sees_nothing(started, outsider, api):
    for method, tail in [("get", ""), ("post", ""), ("post", "sign-code/"), ("post", "sign/"),
                         ("get", "pdf/"), ("post", "outcome/")]:  # fmt: skip
        r = getattr(api(outsider), method)(
            url(started, tail), {"agree": True, "code": "123456"}, format="json"
        )
        assert r.status_code == 404, (method, tail)


@pytest.mark.parametrize("who", ["mediator", "grid_worker", "street_handler"])
def test_staff_and_the_mediator_may_not_start_or_sign(who, settled, respondent, api, cast):
    user = cast(who)
    assert api(user).post(url(settled), {}).status_code == 403
    judicial.start(settled, respondent)
    assert api(user).post(url(settled, "sign-code/"), {}).status_code == 403
    factories.sign_code(user)
    r = api(user).post(url(settled, "sign/"), {"agree": True, "code": "246810"}, format="json")
    assert r.status_code == 403
    assert api(user).get(url(settled)).status_code == 200  # they see the status


def test_starting_twice_is_a_conflict(started, claimant, respondent, api):
    assert api(claimant).post(url(started), {}).status_code == 409
    assert api(respondent).post(url(started), {}).status_code == 409
    assert JudicialApplication.objects.count() == 1


def test_signing_twice_is_a_conflict(started, respondent, api):
    application = JudicialApplication.objects.get(dispute=started)
    judicial.sign(started, respondent, code=judicial_code(respondent, application))
    judicial_code(respondent, application, "111111")
    r = api(respondent).post(url(started, "sign/"), {"agree": True, "code": "111111"}, format="json")
    assert r.status_code == 409
    assert api(respondent).post(url(started, "sign-code/"), {}).status_code == 409
    assert application.signatures.count() == 1


@pytest.mark.parametrize("code", ["000000", "expired", "settlement", "other_application"])
def test_a_wrong_expired_or_other_purpose_code_does_not_sign(
    code, started, respondent, claimant, regions, api, advance
):
    application = JudicialApplication.objects.get(dispute=started)
    if code == "000000":
        judicial_code(respondent, application)
    elif code == "expired":
        code = judicial_code(respondent, application)
        PhoneCode.objects.filter(phone_index=blind_index(respondent.phone)).update(expires_at=timezone.now())
    elif code == "settlement":
        code = factories.sign_code(respondent)  # as for a settlement signature
        PhoneCode.objects.filter(phone_index=blind_index(respondent.phone), used_at=None).update(
            scope=settlements.sign_scope(settlements.latest(started))
        )
    else:  # a code for the same parties' application on another dispute
        other = advance(
            factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="另一纠纷"), "settled"
        )
        judicial.start(other, respondent)
        code = judicial_code(respondent, JudicialApplication.objects.get(dispute=other))
    r = api(respondent).post(url(started, "sign/"), {"agree": True, "code": code}, format="json")
    assert r.status_code == 400, r.json()
    assert "code" in r.json()["errors"]
    assert not application.signatures.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"code": "123456"},
        {"agree": False, "code": "123456"},
        {"agree": True},
        {"agree": True, "code": "12ab56"},
    ],
)
def test_a_bad_sign_payload_is_invalid(body, started, respondent, api):
    r = api(respondent).post(url(started, "sign/"), body, format="json")
    assert r.status_code == 400
    assert set(r.json()["errors"]) <= {"agree", "code"}


@pytest.mark.parametrize("state", ["in_mediation", "awaiting_signatures", "escalated"])
def test_only_a_settled_dispute_can_apply(state, dispute, advance, claimant, api):
    dispute = advance(dispute, state)
    assert api(claimant).post(url(dispute), {}).status_code == 409
    assert api(claimant).get(url(dispute)).json() == {
        "status": None, "window_closes_at": None, "may_start": False, "may_sign": False,
        "may_record_outcome": False,
    }  # fmt: skip


def test_a_breached_settlement_cannot_apply_nor_be_signed(started, claimant, respondent, api):
    application = JudicialApplication.objects.get(dispute=started)
    services.fire(started.pk, "report_breach", by=claimant, payload={"reason": "未付款"})
    assert api(claimant).post(url(started), {}).status_code == 409
    judicial_code(respondent, application)
    r = api(respondent).post(url(started, "sign/"), {"agree": True, "code": "135790"}, format="json")
    assert r.status_code == 409


def test_the_window_closes_thirty_days_after_the_seal(settled, claimant, respondent, api):
    sealed = settlements.latest(settled).sealed_at
    with pytest.raises(Exception) as refused:
        judicial.start(settled, claimant, now=sealed + timedelta(days=30))
    assert refused.value.status == 409
    judicial.start(settled, claimant, now=sealed + timedelta(days=29, hours=23))
    application = JudicialApplication.objects.get(dispute=settled)
    with pytest.raises(Exception) as refused:
        judicial.sign(
            settled, claimant, code=judicial_code(claimant, application), now=sealed + timedelta(days=31)
        )
    assert refused.value.status == 409
    # Through the API, once the deadline is in the past.
    JudicialApplication.objects.filter(pk=application.pk).update(deadline_at=timezone.now())
    judicial_code(claimant, application)
    r = api(claimant).post(url(settled, "sign/"), {"agree": True, "code": "135790"}, format="json")
    assert r.status_code == 409
    assert not application.signatures.exists()


def test_reminders_go_once_to_whoever_has_not_signed_then_the_application_expires(
    started, claimant, respondent
):
    from disputes import hooks

    seen = []
    hooks.ON_EVENT.append(lambda event, notify: seen.append((event.transition, [u.pk for u in notify])))
    try:
        application = JudicialApplication.objects.get(dispute=started)
        judicial.sign(started, respondent, code=judicial_code(respondent, application))
        deadline = application.deadline_at
        assert judicial.sweep(deadline - timedelta(days=8)) == 0
        assert judicial.sweep(deadline - timedelta(days=6)) == 1
        assert judicial.sweep(deadline - timedelta(days=6)) == 0  # again: nothing new
        assert judicial.sweep(deadline - timedelta(days=2)) == 0
        assert judicial.sweep(deadline - timedelta(hours=20)) == 1
        assert judicial.sweep(deadline - timedelta(hours=2)) == 0
        assert judicial.sweep(deadline) == 1
        assert judicial.sweep(deadline + timedelta(days=1)) == 0
    finally:
        hooks.ON_EVENT.pop()
    reminders = DisputeEvent.objects.filter(dispute=started, transition="judicial_reminder")
    assert [e.payload["days_left"] for e in reminders] == [7, 1]
    assert all(e.actor is None and e.payload["to"] == ["claimant"] for e in reminders)
    assert [s for s in seen if s[0] == "judicial_reminder"] == [("judicial_reminder", [claimant.pk])] * 2
    assert [s for s in seen if s[0] == "judicial_expired"] == [
        ("judicial_expired", [claimant.pk, respondent.pk])
    ]
    application.refresh_from_db()
    assert application.status == "expired"
    assert events(started)[-1] == "judicial_expired"


def test_a_late_sweep_sends_only_the_nearest_reminder(started):
    application = JudicialApplication.objects.get(dispute=started)
    assert judicial.sweep(application.deadline_at - timedelta(hours=12)) == 1
    assert judicial.sweep(application.deadline_at - timedelta(hours=11)) == 0
    reminder = DisputeEvent.objects.get(dispute=started, transition="judicial_reminder")
    assert reminder.payload["days_left"] == 1
    assert reminder.payload["to"] == ["claimant", "respondent"]


def test_two_sweeps_reading_the_same_rows_send_each_reminder_once(started):
    """Two workers that both listed the row before either claimed it."""
    application = JudicialApplication.objects.get(dispute=started)
    now = application.deadline_at - timedelta(days=3)
    assert judicial.process(application.pk, now) + judicial.process(application.pk, now) == 1
    assert DisputeEvent.objects.filter(dispute=started, transition="judicial_reminder").count() == 1


def test_the_beat_task_sweeps(started):
    from mediation.settlements.tasks import sweep_judicial_deadlines

    JudicialApplication.objects.filter(dispute=started).update(deadline_at=timezone.now() + timedelta(days=3))
    assert sweep_judicial_deadlines() == 1
    assert sweep_judicial_deadlines() == 0


def test_a_ready_application_is_neither_reminded_nor_expired(ready):
    application = JudicialApplication.objects.get(dispute=ready)
    assert judicial.sweep(application.deadline_at - timedelta(hours=1)) == 0
    assert judicial.sweep(application.deadline_at + timedelta(days=1)) == 0
    application.refresh_from_db()
    assert application.status == "ready"


def test_staff_record_the_courts_answer_once_the_application_is_ready(
    started, claimant, respondent, grid_worker, mediator, api
):
    body = {"confirmed": True, "note": "（2026）浙0106民特123号"}
    assert api(grid_worker).post(url(started, "outcome/"), body, format="json").status_code == 409
    application = JudicialApplication.objects.get(dispute=started)
    judicial.sign(started, respondent, code=judicial_code(respondent, application))
    judicial.sign(started, claimant, code=judicial_code(claimant, application))
    assert api(claimant).post(url(started, "outcome/"), body, format="json").status_code == 403
    assert api(mediator).post(url(started, "outcome/"), body, format="json").status_code == 403
    assert api(grid_worker).post(url(started, "outcome/"), {"note": "x"}, format="json").status_code == 400
    r = api(grid_worker).post(url(started, "outcome/"), body, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "confirmed"
    assert r.json()["outcome"]["note"] == body["note"]
    assert api(grid_worker).post(url(started, "outcome/"), body, format="json").status_code == 409
    event = DisputeEvent.objects.get(dispute=started, transition="judicial_outcome")
    assert (event.actor, event.payload, event.reason) == (grid_worker, {"confirmed": True}, body["note"])


def test_a_case_handler_may_record_not_confirmed(ready, street_handler, api):
    r = api(street_handler).post(
        url(ready, "outcome/"), {"confirmed": False, "note": "协议内容违法"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "not_confirmed"
    assert r.json()["outcome"]["confirmed"] is False


def test_closing_after_fulfilment_keeps_the_application_on_record(ready, grid_worker, claimant, api):
    services.fire(ready.pk, "record_fulfilment", by=grid_worker, payload={"note": "已付清"})
    r = api(claimant).get(url(ready))
    assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert api(claimant).get(url(ready, "pdf/")).status_code == 200
    r = api(grid_worker).post(url(ready, "outcome/"), {"confirmed": True}, format="json")
    assert r.status_code == 200


def test_the_co_signer_can_still_sign_after_fulfilment_closes_the_case(
    started, claimant, respondent, grid_worker
):
    application = JudicialApplication.objects.get(dispute=started)
    judicial.sign(started, respondent, code=judicial_code(respondent, application))
    services.fire(started.pk, "record_fulfilment", by=grid_worker, payload={"note": "已付清"})
    started.refresh_from_db()
    judicial.sign(started, claimant, code=judicial_code(claimant, application))
    application.refresh_from_db()
    assert application.status == "ready"


def test_no_pdf_before_an_application(settled, claimant, api):
    assert api(claimant).get(url(settled, "pdf/")).status_code == 404


def test_the_unsigned_application_is_rendered_once(started, claimant, api, monkeypatch):
    from mediation.settlements import pdf

    calls = []
    real = pdf.render_html
    monkeypatch.setattr(pdf, "render_html", lambda html: calls.append(1) or real(html))
    first = api(claimant).get(url(started, "pdf/")).content
    second = api(claimant).get(url(started, "pdf/")).content
    assert first == second and len(calls) <= 1


def test_a_signature_raced_by_another_leaves_no_orphan_file(started, respondent, monkeypatch, settings):
    """The other party's signature lands while this one is being made: 409, and no file left over."""
    from mediation.settlements import signing

    application = JudicialApplication.objects.get(dispute=started)
    judicial.sign(started, respondent, code=judicial_code(respondent, application))
    application.refresh_from_db()
    folder = settings.MEDIA_ROOT / "judicial" / str(application.settlement_id)
    before = sorted(p.name for p in folder.iterdir())
    real = signing.sign

    def slow_sign(*args, **kwargs):
        result = real(*args, **kwargs)
        # Meanwhile the application expires (the sweeper ran).
        JudicialApplication.objects.filter(pk=application.pk).update(status="expired")
        return result

    monkeypatch.setattr(signing, "sign", slow_sign)
    from accounts.models import User

    claimant = User.objects.get(phone_index=blind_index(started.claimant_phone))
    with pytest.raises(Exception) as refused:
        judicial.sign(started, claimant, code=judicial_code(claimant, application))
    assert refused.value.status == 409
    assert sorted(p.name for p in folder.iterdir()) == before
    assert application.signatures.count() == 1


def test_the_dispute_page_shows_the_panel(ready, claimant, client):
    client.force_login(claimant)
    page = client.get(f"/disputes/{ready.pk}/").content.decode()
    assert 'id="judicial"' in page
    assert f"/api/v1/disputes/{ready.pk}/judicial/pdf/" in page


def test_the_application_is_english_when_the_dispute_is(started, monkeypatch, tmp_path):
    from mediation.settlements import pdf

    monkeypatch.setattr(pdf, "document_language", lambda dispute: "en")
    application = JudicialApplication.objects.get(dispute=started)
    text = pdf_text(pdf.judicial_pdf(application), tmp_path)
    assert "ApplicationforJudicialConfirmation" in text
    assert "张三" in text and "Declarationoftheapplicants" in text


def test_markup_in_names_and_terms_is_text_and_nothing_is_fetched(
    dispute, advance, claimant, mediator, tmp_path
):
    from django.template.loader import render_to_string

    from accounts.models import User
    from mediation.settlements import pdf

    hostile = '<link rel="attachment" href="file:///etc/hostname"><img src="http://example.com/x.png">'
    dispute.title = hostile
    dispute.save(update_fields=["title"])
    dispute = advance(dispute, "in_mediation")
    services.fire(
        dispute.pk, "propose_settlement", by=mediator, payload={"terms": [hostile, "url(http://e.com)"]}
    )
    for user in (claimant, User.objects.get(phone_index=blind_index(dispute.respondent_phone)), mediator):
        services.fire(dispute.pk, "sign", by=user, payload={"agree": True, "code": factories.sign_code(user)})
    application = judicial.start(dispute, claimant)
    fetcher = pdf.SafeFetcher()
    content = pdf.render_html(
        render_to_string("mediation/settlements/judicial.html", pdf.judicial_context(application)), fetcher
    )
    assert fetcher.refused == []
    assert b"/EmbeddedFile" not in content
    assert "example.com/x.png" in pdf_text(content, tmp_path)
