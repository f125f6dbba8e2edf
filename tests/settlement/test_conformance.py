"""Three validators agree on the platform's signed agreements: poppler's pdfsig (root trusted
in an NSS db), pyHanko with revocation checking from the embedded data, and qpdf --check
(docs/features/trust-services.md, "Conformance")."""

from __future__ import annotations

import io
import re
import subprocess

import pytest

from mediation.settlements import pki, signing
from tests import samples
from tests.settlement.test_signed_pdf import blocks, nssdb, pdfsig  # noqa: F401 (nssdb: a fixture)

pytestmark = pytest.mark.django_db

SAMPLES = 20
SIGNERS = [("张三", "claimant"), ("李四", "respondent"), ("钱调解", "mediator")]


def agreement(number: int) -> bytes:
    """A sample agreement signed as the application signs one: three event certificates, the seal."""
    document = samples.pdf(f"Settlement sample {number}: 1200 yuan by 2027-01-{number + 1:02d}")
    for index, (name, role) in enumerate(SIGNERS, start=1):
        document = signing.sign(
            document, pki.event_signer(f"{name}{number}", role), field=f"Signature{index}_{role}", name=name,
            reason=role,
        ).pdf  # fmt: skip
    return signing.sign(
        document, pki.seal_signer(), field=signing.SEAL_FIELD, name="委员会", reason="seal", seal=True
    ).pdf


def pyhanko_report(document: bytes) -> dict:
    """pyHanko's own view, offline, hard-fail revocation checking from the DSS."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    reader = PdfFileReader(io.BytesIO(document))
    dss = DocumentSecurityStore.read_dss(reader)
    embedded = list(reader.embedded_signatures)
    report = {"dss_crls": len(dss.crls), "dss_ocsps": len(dss.ocsps), "signatures": [], "timestamps": []}
    for sig in embedded:
        context = dss.as_validation_context(
            {
                "trust_roots": [pki.root_certificate()],
                "allow_fetching": False,
                "revocation_mode": "hard-fail",
                "retroactive_revinfo": True,
            }
        )
        if sig.sig_object_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(sig, validation_context=context)
            report["timestamps"].append(
                (sig.field_name, status.valid and status.intact and status.trusted, status.coverage)
            )
        else:
            status = validate_pdf_signature(
                sig, signer_validation_context=context, ts_validation_context=context
            )
            report["signatures"].append(
                (
                    sig.field_name,
                    status.bottom_line,
                    status.timestamp_validity is not None and status.timestamp_validity.valid,
                    status.modification_level,
                )
            )
    report["last_covers_all"] = embedded[-1].sig_object_type == "/DocTimeStamp" and (
        report["timestamps"][-1][2] == SignatureCoverageLevel.ENTIRE_FILE
    )
    return report


def test_pdfsig_pyhanko_and_qpdf_agree_on_twenty_agreements(tmp_path, nssdb):  # noqa: F811
    for number in range(SAMPLES):
        document = agreement(number)

        # poppler: every signature valid and trusted; the archive timestamp last, over the whole file.
        *sigs, archive = blocks(pdfsig(document, tmp_path, nssdb))
        assert len(sigs) == 4
        for block in sigs:
            assert "Signature Validation: Signature is Valid." in block, block
            assert "Certificate Validation: Certificate is Trusted." in block, block
        assert f"Signature Field Name: {signing.DOC_TIMESTAMP_FIELD}" in archive
        assert "Total document signed" in archive

        # pyHanko: each signature valid with revocation checking, with a signature timestamp; a
        # DSS with revocation data; a document timestamp after the seal covering the whole file.
        report = pyhanko_report(document)
        assert [name for name, *_ in report["signatures"]][-1] == signing.SEAL_FIELD
        for name, bottom_line, timestamped, _level in report["signatures"]:
            assert bottom_line, (number, name)
            assert timestamped, (number, name)
        assert report["dss_crls"] + report["dss_ocsps"] > 0
        assert [(name, ok) for name, ok, _ in report["timestamps"]] == [(signing.DOC_TIMESTAMP_FIELD, True)]
        assert report["last_covers_all"]

        # The project's verifier, the same data.
        result = signing.verify(document)
        assert result["valid"] is True and result["modified_after_seal"] is False

        # qpdf: the file's structure is sound.
        path = tmp_path / f"agreement{number}.pdf"
        path.write_bytes(document)
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert re.search(r"No syntax or stream encoding errors found", check.stdout), check.stdout
