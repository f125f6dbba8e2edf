"""Signing outside the row lock, signing codes bound to one document, and the draft PDF cache."""

import os
import threading

import pytest
from django.db import connection
from django.test import TestCase

from disputes import services
from mediation.models import JudicialApplication, Settlement
from mediation.settlements import agreements as settlements
from mediation.settlements import judicial, signing
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Stored PDFs of this test only, so leftover files are this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def url(dispute, tail: str) -> str:
    return f"/api/v1/disputes/{dispute.pk}/{tail}"


def ask_code(api, user, dispute, outbox, tail="settlement/sign-code/") -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api(user).post(url(dispute, tail), {}, format="json")
    assert r.status_code == 200, r.json()
    return outbox.code(user.phone)


def files_of(dispute, settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "settlements" / str(dispute.pk)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def proposed(dispute, advance):
    return advance(dispute, "awaiting_signatures")


def test_a_decline_while_a_signature_is_made_is_a_conflict_and_leaves_no_file(
    proposed, claimant, respondent, api, monkeypatch, settings
):
    real = signing.sign

    def decline_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        services.fire(proposed.pk, "decline_settlement", by=respondent, payload={"reason": "再想想"})
        return result

    monkeypatch.setattr(signing, "sign", decline_meanwhile)
    factories.sign_code(claimant)
    r = api(claimant).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 409, r.json()
    proposed.refresh_from_db()
    assert proposed.state == "in_mediation"
    assert not Settlement.objects.get(dispute=proposed).signatures.exists()
    assert files_of(proposed, settings) == []


def test_a_signature_landing_meanwhile_is_a_conflict_and_only_the_winner_is_stored(
    proposed, claimant, respondent, api, monkeypatch, settings
):
    real = signing.sign
    raced = []

    def other_signs_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        if not raced:
            raced.append(1)
            payload = {"agree": True, "code": factories.sign_code(respondent)}
            services.fire(proposed.pk, "sign", by=respondent, payload=payload)
        return result

    monkeypatch.setattr(signing, "sign", other_signs_meanwhile)
    factories.sign_code(claimant)
    r = api(claimant).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 409, r.json()
    settlement = Settlement.objects.get(dispute=proposed)
    assert list(settlement.signatures.values_list("role", flat=True)) == ["respondent"]
    assert files_of(proposed, settings) == [settlement.pdf.name.rsplit("/", 1)[1]]
    assert signing.field_names(settlements.read_file(settlement.pdf)) == ["Signature1_respondent"]


def test_a_code_sent_for_one_version_does_not_sign_the_next(
    proposed, claimant, respondent, mediator, api, outbox
):
    code = ask_code(api, claimant, proposed, outbox)
    services.fire(proposed.pk, "decline_settlement", by=respondent, payload={"reason": "不同意"})
    services.fire(proposed.pk, "propose_settlement", by=mediator, payload={"terms": ["新条款"]})
    r = api(claimant).post(url(proposed, "transitions/sign/"), {"agree": True, "code": code}, format="json")
    assert r.status_code == 400
    assert "code" in r.json()["errors"]


def test_a_code_sent_for_one_dispute_does_not_sign_another(
    proposed, claimant, respondent, regions, advance, api, outbox
):
    other = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="另一纠纷"),
        "awaiting_signatures",
    )
    code = ask_code(api, claimant, proposed, outbox)
    r = api(claimant).post(url(other, "transitions/sign/"), {"agree": True, "code": code}, format="json")
    assert r.status_code == 400
    # It still signs the settlement it was sent for.
    r = api(claimant).post(url(proposed, "transitions/sign/"), {"agree": True, "code": code}, format="json")
    assert r.status_code == 200, r.json()


def test_a_judicial_application_code_does_not_sign_a_settlement(
    proposed, claimant, respondent, regions, advance, api, outbox
):
    settled = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="已调解"), "settled"
    )
    judicial.start(settled, claimant)
    code = ask_code(api, claimant, settled, outbox, tail="judicial/sign-code/")
    r = api(claimant).post(url(proposed, "transitions/sign/"), {"agree": True, "code": code}, format="json")
    assert r.status_code == 400
    assert not JudicialApplication.objects.get(dispute=settled).signatures.exists()


def test_the_draft_is_rendered_once_per_version(proposed, claimant, respondent, mediator, api, monkeypatch):
    from mediation.settlements import pdf

    renders = []
    real = pdf.render_html
    monkeypatch.setattr(pdf, "render_html", lambda html: renders.append(1) or real(html))
    first = api(claimant).get(url(proposed, "settlement/pdf/")).content
    assert api(respondent).get(url(proposed, "settlement/pdf/")).content == first
    assert len(renders) == 1
    services.fire(proposed.pk, "decline_settlement", by=respondent, payload={"reason": "不同意"})
    services.fire(proposed.pk, "propose_settlement", by=mediator, payload={"terms": ["新条款"]})
    second = api(claimant).get(url(proposed, "settlement/pdf/")).content
    assert len(renders) == 2 and second != first


# --- PostgreSQL: real connections --------------------------------------------------------------
def on_postgres(test):
    """Committed rows and a second connection; categories put back after an earlier flush."""
    for mark in (
        pytest.mark.stack,
        pytest.mark.skipif(
            not os.environ.get("DATABASE_URL", "").startswith("postgres"),
            reason="needs PostgreSQL (DATABASE_URL)",
        ),
        pytest.mark.django_db(transaction=True),
        pytest.mark.usefixtures("categories"),
    ):
        test = mark(test)
    return test


def in_thread(call):
    """Run `call` on its own connection; return its result (or raise its exception)."""
    out = {}

    def run():
        try:
            out["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in out:
        raise out["error"]
    return out.get("result")


def _lock_is_free(dispute_id: int) -> bool:
    from django.db import DatabaseError, transaction

    from disputes.models import Dispute

    try:
        with transaction.atomic():
            Dispute.objects.select_for_update(nowait=True).filter(pk=dispute_id).exists()
        return True
    except DatabaseError:
        return False


@on_postgres
def test_the_dispute_row_is_not_locked_while_the_signature_is_made(dispute, advance, claimant, monkeypatch):
    proposed = advance(dispute, "awaiting_signatures")
    real = signing.sign
    seen = []

    def watched(*args, **kwargs):
        seen.append(in_thread(lambda: _lock_is_free(proposed.pk)))
        return real(*args, **kwargs)

    monkeypatch.setattr(signing, "sign", watched)
    services.fire(
        proposed.pk, "sign", by=claimant, payload={"agree": True, "code": factories.sign_code(claimant)}
    )
    assert seen == [True]


@on_postgres
def test_concurrent_sweeps_send_each_reminder_once(dispute, advance, claimant):
    from datetime import timedelta

    from disputes.models import DisputeEvent

    settled = advance(dispute, "settled")
    application = judicial.start(settled, claimant)
    now = application.deadline_at - timedelta(days=3)
    barrier = threading.Barrier(4)
    results = []

    def sweep():
        connection.ensure_connection()
        barrier.wait(timeout=30)
        results.append(judicial.sweep(now))

    threads = [threading.Thread(target=lambda: (sweep(), connection.close())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [0, 0, 0, 1]
    assert DisputeEvent.objects.filter(dispute=settled, transition="judicial_reminder").count() == 1


def test_files_no_row_refers_to_are_removed_once_they_are_old(dispute, advance, media):
    from datetime import timedelta

    from django.utils import timezone

    settled = advance(dispute, "settled")
    kept = settlements.latest(settled).pdf.name
    folder = media / "settlements" / str(settled.pk)
    orphan, fresh = folder / "orphan.pdf", folder / "fresh.pdf"
    orphan.write_bytes(b"%PDF-1.7")
    fresh.write_bytes(b"%PDF-1.7")
    old = (timezone.now() - timedelta(hours=2)).timestamp()
    os.utime(orphan, (old, old))
    os.utime(media / kept, (old, old))
    assert settlements.remove_orphan_files() == 1
    assert not orphan.exists() and fresh.exists() and (media / kept).exists()
    assert settlements.remove_orphan_files() == 0
