"""The ID number is asked at the judicial confirmation signature, and nowhere before."""

import subprocess

import pytest

from accounts.models import User
from core.models import AuditEntry
from mediation.models import JudicialApplication

from .test_judicial import media, url  # noqa: F401 - media: this test's own PDF folder

pytestmark = pytest.mark.django_db
ID_NUMBER = "11010519491231002X"


def test_sign_up_and_filing_never_ask_for_it(client, claimant):
    assert "id_number" not in client.get("/accounts/signup/").content.decode()
    client.force_login(claimant)
    assert "id_number" not in client.get("/disputes/new/").content.decode()


def _start(dispute, advance, api, claimant):
    dispute = advance(dispute, "settled")
    assert api(claimant).post(url(dispute), {}, format="json").status_code == 201
    return dispute


def test_the_signing_form_asks_only_someone_without_one(dispute, advance, api, claimant, client):
    dispute = _start(dispute, advance, api, claimant)
    client.force_login(claimant)
    assert 'name="id_number"' in client.get(f"/disputes/{dispute.pk}/").content.decode()
    User.objects.filter(pk=claimant.pk).update(id_number=ID_NUMBER)
    assert 'name="id_number"' not in client.get(f"/disputes/{dispute.pk}/").content.decode()


def test_given_at_signing_it_is_kept_and_masked_in_the_application(
    dispute, advance, api, claimant, outbox, django_capture_on_commit_callbacks, tmp_path
):
    dispute = _start(dispute, advance, api, claimant)
    with django_capture_on_commit_callbacks(execute=True):
        assert api(claimant).post(url(dispute, "sign-code/"), {}, format="json").status_code == 200
    r = api(claimant).post(
        url(dispute, "sign/"),
        {"agree": True, "code": outbox.code(claimant.phone), "id_number": "110105194912310 02x"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    claimant.refresh_from_db()
    assert claimant.id_number == ID_NUMBER
    entry = AuditEntry.objects.get(action="account", actor_id=claimant.pk, data__event="id_number_given")
    assert ID_NUMBER not in str(entry.data) + entry.target
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(JudicialApplication.objects.get(dispute=dispute).pdf.read())
    text = "".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode().split()
    )
    assert "110***********002X" in text and ID_NUMBER not in text


def test_a_malformed_number_signs_nothing(
    dispute, advance, api, claimant, outbox, django_capture_on_commit_callbacks
):
    dispute = _start(dispute, advance, api, claimant)
    with django_capture_on_commit_callbacks(execute=True):
        api(claimant).post(url(dispute, "sign-code/"), {}, format="json")
    r = api(claimant).post(
        url(dispute, "sign/"),
        {"agree": True, "code": outbox.code(claimant.phone), "id_number": "110105194912310021"},
        format="json",
    )
    assert r.status_code == 400 and "id_number" in r.json()["errors"]
    claimant.refresh_from_db()
    assert (
        claimant.id_number == "" and not JudicialApplication.objects.get(dispute=dispute).signatures.exists()
    )


def test_a_recorded_number_is_not_replaced(
    dispute, advance, api, claimant, outbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=claimant.pk).update(id_number=ID_NUMBER)
    dispute = _start(dispute, advance, api, claimant)
    with django_capture_on_commit_callbacks(execute=True):
        api(claimant).post(url(dispute, "sign-code/"), {}, format="json")
    r = api(claimant).post(
        url(dispute, "sign/"),
        {"agree": True, "code": outbox.code(claimant.phone), "id_number": "440305199001011234"},
        format="json",
    )
    assert r.status_code == 200
    claimant.refresh_from_db()
    assert claimant.id_number == ID_NUMBER
