"""The settlement PDF download, public verification of files, and the /verify/{code}/ page."""

import io

import pytest

from mediation.settlements import agreements as settlements
from mediation.settlements import pki, signing
from mediation.settlements.committee import committee_name
from tests import factories
from tests.settlement.test_signed_pdf import draw_box_after_the_seal

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(dispute, advance):
    return advance(dispute, "settled")


def signed_file(dispute) -> bytes:
    with settlements.latest(dispute).pdf.open("rb") as f:
        return f.read()


def upload(api, content: bytes, name: str = "agreement.pdf"):
    return api().post("/api/v1/verify/", {"file": io.BytesIO(content)}, format="multipart")


def test_the_settlement_pdf_is_a_watermarked_draft_until_sealed_then_the_signed_file(
    dispute, advance, claimant, api
):
    dispute = advance(dispute, "awaiting_signatures")
    r = api(claimant).get(f"/api/v1/disputes/{dispute.pk}/settlement/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "draft" in r["Content-Disposition"]
    draft = r.content
    assert signing.field_names(draft) == []


def test_the_signed_pdf_is_served_after_the_seal(settled, respondent, grid_worker, outsider, api):
    r = api(respondent).get(f"/api/v1/disputes/{settled.pk}/settlement/pdf/")
    assert r.status_code == 200
    assert r.content == signed_file(settled)
    assert api(grid_worker).get(f"/api/v1/disputes/{settled.pk}/settlement/pdf/").status_code == 200
    assert api(outsider).get(f"/api/v1/disputes/{settled.pk}/settlement/pdf/").status_code == 404
    data = api(respondent).get(f"/api/v1/disputes/{settled.pk}/settlement/").json()
    assert data["pdf"] == f"/api/v1/disputes/{settled.pk}/settlement/pdf/"
    assert data["sha256"] == settlements.latest(settled).sha256


def test_anyone_can_verify_the_signed_file_on_record(settled, api):
    r = upload(api, signed_file(settled))
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["valid"] is True
    assert data["matches_record"] is True
    assert data["modified_after_seal"] is False
    assert data["verification_code"] == settlements.latest(settled).verification_code
    assert [(s["signer"], s["role"], s["intact"]) for s in data["signatures"]] == [
        ("张三", "claimant", True), ("李四", "respondent", True), ("钱调解", "mediator", True),
        (committee_name(settled), "committee", True),
    ]  # fmt: skip
    assert all(s["signed_at"] for s in data["signatures"])


def test_a_bad_token_does_not_stop_verification(settled, api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    r = client.post("/api/v1/verify/", {"file": io.BytesIO(signed_file(settled))}, format="multipart")
    assert r.status_code == 200


def test_an_update_after_the_seal_is_reported_and_the_file_no_longer_matches(settled, api):
    data = upload(api, draw_box_after_the_seal(signed_file(settled))).json()
    assert data["valid"] is False
    assert data["modified_after_seal"] is True
    assert data["matches_record"] is False


def test_a_changed_byte_makes_the_file_invalid(settled, api):
    tampered = bytearray(signed_file(settled))
    tampered[2000] ^= 0x01
    data = upload(api, bytes(tampered)).json()
    assert data["valid"] is False
    assert data["matches_record"] is False
    assert not any(s["intact"] for s in data["signatures"])
    assert data["verification_code"] is None


def test_an_unsigned_pdf_is_answered_not_valid(dispute, advance, api):
    from mediation.settlements import pdf

    dispute = advance(dispute, "awaiting_signatures")
    content = pdf.render_settlement(settlements.current(dispute), draft=True)
    r = upload(api, content)
    assert r.status_code == 200
    assert r.json() == {
        "valid": False, "verification_code": None, "signatures": [], "modified_after_seal": False,
        "matches_record": False,
    }  # fmt: skip


def test_a_pdf_signed_by_someone_else_is_not_valid(tmp_path, settings, api):
    """A random PDF signed under another CA: intact maybe, but not the platform's."""
    from mediation.settlements import pdf

    plain = pdf.render_html("<p>hello</p>")
    own = signing.sign(plain, pki.event_signer("张三", "claimant"), field="S1", name="张三", reason="x").pdf
    settings.PKI_DIR = tmp_path / "other"  # the verifier now trusts another root
    r = upload(api, own)
    assert r.status_code == 200
    data = r.json()
    assert data["valid"] is False and data["matches_record"] is False


@pytest.mark.parametrize("content", [b"hello world", b"\x89PNG\r\n\x1a\n" + b"0" * 100, b""])
def test_a_file_that_is_not_a_pdf_is_refused(content, api):
    r = upload(api, content)
    assert r.status_code in (400, 415)
    assert set(r.json()) >= {"detail", "code"}


def test_a_broken_pdf_is_refused_with_the_envelope(api):
    r = upload(api, b"%PDF-1.7\n garbage without structure")
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_type"


def test_verification_without_a_file_is_invalid_input(api):
    r = api().post("/api/v1/verify/", {}, format="multipart")
    assert r.status_code == 400
    assert "file" in r.json()["errors"]


def test_the_verify_page_shows_masked_names_date_and_hash_only(settled, client):
    settlement = settlements.latest(settled)
    r = client.get(f"/verify/{settlement.verification_code}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "张*" in html and "李*" in html
    assert settlement.sha256 in html
    for secret in ["张三", "李四", settled.claimant_phone, settled.respondent_phone, settled.title,
                   *factories.SETTLEMENT["terms"]]:  # fmt: skip
        assert secret not in html


def test_the_verify_page_knows_nothing_of_unsealed_or_unknown_codes(dispute, advance, client):
    dispute = advance(dispute, "awaiting_signatures")
    assert client.get(f"/verify/{settlements.current(dispute).verification_code}/").status_code == 404
    assert client.get("/verify/not-a-code/").status_code == 404
