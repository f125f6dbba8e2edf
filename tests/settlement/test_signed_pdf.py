"""The signed agreement holds up in poppler's pdfsig and in the project's verifier
(docs/features/settlements.md)."""

import io
import re
import subprocess

import pytest

from mediation.settlements import agreements as settlements
from mediation.settlements import pki, signing
from mediation.settlements.committee import committee_name
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(dispute, advance):
    """A dispute signed by both parties and the mediator through real transitions: its final PDF."""
    dispute = advance(dispute, "settled")
    settlement = settlements.latest(dispute)
    with settlement.pdf.open("rb") as f:
        return f.read()


@pytest.fixture
def nssdb(tmp_path, pki_dir):
    """An NSS database trusting the platform root, so pdfsig can say "Certificate is Trusted"."""
    db = tmp_path / "nss"
    db.mkdir()
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_pem())
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "tiaojie-root", "-t", "CT,C,C", "-i", str(root)],
        check=True,
        capture_output=True,
    )
    # The issuing CA as a known (not trusted) intermediate, as a relying party installs the chain:
    # poppler's NSS otherwise fails to check some OCSP answers signed by it (it takes the issuer
    # from each signature's CMS only; docs/features/trust-services.md, "pdfsig").
    from asn1crypto import pem

    issuing = tmp_path / "issuing.pem"
    issuing.write_bytes(pem.armor("CERTIFICATE", pki.issuing_certificate().dump()))
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "tiaojie-issuing", "-t", ",,", "-i", str(issuing)],
        check=True,
        capture_output=True,
    )
    return db


def pdfsig(content: bytes, tmp_path, nssdb=None) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    args = ["pdfsig", *(["-nssdir", f"sql:{nssdb}"] if nssdb else []), str(path)]
    return subprocess.run(args, capture_output=True).stdout.decode()


def blocks(report: str) -> list[str]:
    return re.split(r"^Signature #\d+:$", report, flags=re.M)[1:]


def test_pdfsig_lists_both_parties_the_mediator_and_the_seal_all_valid_and_trusted(
    signed, dispute, tmp_path, nssdb
):
    report = pdfsig(signed, tmp_path, nssdb)
    *sigs, archive = blocks(report)
    assert len(sigs) == 4, report
    names = [re.search(r"Signer Certificate Common Name: (.*)", s).group(1) for s in sigs]
    assert names == ["张三", "李四", "钱调解", committee_name(dispute)]  # the committee's own seal
    for block in sigs:
        assert "Signature Validation: Signature is Valid." in block, block
        assert "Certificate Validation: Certificate is Trusted." in block, block
    # PAdES B-LTA: the document timestamp after the seal covers the whole file (poppler lists
    # it but does not check RFC 3161 document timestamps; pyHanko does, tests/settlement/test_trust.py).
    assert f"Signature Field Name: {signing.DOC_TIMESTAMP_FIELD}" in archive
    assert "Total document signed" in archive


def test_the_signed_pdf_has_the_chinese_names_terms_and_an_embedded_cjk_font(signed, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout.decode().split())
    for expected in ["张三", "李四", "钱调解", *factories.SETTLEMENT["terms"]]:
        assert expected in text
    assert "草稿" not in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True).stdout.decode().splitlines()[2:]
    assert any(row.split()[0].endswith("TJ-Sans-SC") and row.split()[-5] == "yes" for row in fonts), fonts


def test_the_project_verifier_accepts_the_record_and_names_the_signers_in_order(signed, dispute):
    result = signing.verify(signed)
    assert result["valid"] is True
    assert result["modified_after_seal"] is False
    assert [s["signer"] for s in result["signatures"]] == ["张三", "李四", "钱调解", committee_name(dispute)]
    assert all(s["intact"] for s in result["signatures"])


def test_one_changed_byte_in_the_signed_range_is_caught_by_pdfsig_and_the_verifier(signed, tmp_path):
    tampered = bytearray(signed)
    tampered[2000] ^= 0x01  # inside the rendered agreement, which every signature covers
    tampered = bytes(tampered)
    sigs = blocks(pdfsig(tampered, tmp_path))[:4]
    assert len(sigs) == 4
    for block in sigs:
        assert "Signature is Valid" not in block
        assert "Digest Mismatch" in block
    result = signing.verify(tampered)
    assert result["valid"] is False
    assert not any(s["intact"] for s in result["signatures"])


def draw_box_after_the_seal(content: bytes) -> bytes:
    """What a forger would do: an incremental update painting a box over the terms."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    box = generic.StreamObject(stream_data=b"q 1 1 1 rg 60 380 480 120 re f Q")
    writer.add_stream_to_page(0, writer.add_object(box))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_update_appended_after_the_seal_is_reported_by_the_verifier(signed, tmp_path):
    forged = draw_box_after_the_seal(signed)
    assert forged.startswith(signed)
    result = signing.verify(forged)
    assert result["modified_after_seal"] is True
    assert result["valid"] is False


def test_nothing_can_sign_after_the_seal(signed):
    with pytest.raises(signing.SealedError):
        signing.sign(signed, pki.event_signer("王五", "claimant"), field="Late", name="王五", reason="late")


def test_the_final_hash_and_the_signers_are_stored(dispute, advance):
    import hashlib

    dispute = advance(dispute, "settled")
    settlement = settlements.latest(dispute)
    with settlement.pdf.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == settlement.sha256
    roles = list(settlement.signatures.values_list("role", "signer_name"))
    assert [r for r, _ in roles] == ["claimant", "respondent", "mediator", "committee"]
    assert all(settlement.signatures.values_list("certificate_serial", flat=True))
    events = dispute.events.filter(transition="sign")
    assert [e.payload["certificate_serial"] for e in events] == list(
        settlement.signatures.exclude(role="committee").values_list("certificate_serial", flat=True)
    )


def test_the_pki_folder_holds_public_certificates_only(pki_dir):
    from mediation.settlements import certs

    pki.chain()
    files = [p for p in pki_dir.rglob("*") if p.is_file() and p.name != ".lock"]
    assert files
    for path in files:
        assert not list(path.parent.glob("*.key.pem"))
        certs.load_pem(path.read_bytes())  # each one a certificate


def test_init_pki_creates_the_keys_once(tmp_path, settings):
    from django.core.management import call_command

    settings.PKI_DIR = tmp_path / "fresh"
    out = io.StringIO()
    call_command("init_pki", stdout=out)
    assert "root: created" in out.getvalue()
    assert sorted(p.name for p in settings.PKI_DIR.glob("*.pem")) == [
        "issuing.pem", "root.pem", "seal-default.pem", "tsa.pem",
    ]  # fmt: skip
    first = (settings.PKI_DIR / "root.pem").read_bytes()
    pki._cache.clear()
    out = io.StringIO()
    call_command("init_pki", stdout=out)
    assert "created" not in out.getvalue() and "root: kept" in out.getvalue()
    assert (settings.PKI_DIR / "root.pem").read_bytes() == first
