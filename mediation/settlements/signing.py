"""PAdES signatures on settlement PDFs with pyHanko, and their verification
(docs/features/settlements.md).

Every signature is PAdES B-T (an RFC 3161 timestamp from the platform TSA), added as an
incremental update. The committee seal is the last signature: its field lock forbids any
change after it, and sign() refuses a sealed document (pyHanko itself would sign it).
Verification uses pyHanko's validation with its difference analysis, because poppler's
pdfsig reports an update appended after the signatures as valid.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from . import pki

SEAL_FIELD = "CommitteeSeal"


class SealedError(Exception):
    """The document carries the committee seal: nothing may sign after it."""


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    serial: str
    subject: str


def timestamper():
    """The platform TSA (RFC 3161) that stamps every signature and the audit log's anchors; its
    key is in the token (pki.timestamper)."""
    return pki.timestamper()


def field_names(pdf: bytes) -> list[str]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [s.field_name for s in reader.embedded_signatures]


def is_sealed(pdf: bytes) -> bool:
    return SEAL_FIELD in field_names(pdf)


def field_spec(field: str, *, seal: bool = False, box=None, on_page: int = 0):
    """The new signature field; the seal's locks the whole document. With `box` (x1, y1, x2, y2
    on page `on_page`) the field is visible there (mediation/settlements/appearance.py)."""
    from pyhanko.sign import fields

    visible = {"box": tuple(box), "on_page": on_page} if box is not None else {}
    if seal:
        return fields.SigFieldSpec(
            sig_field_name=field,
            field_mdp_spec=fields.FieldMDPSpec(action=fields.FieldMDPAction.ALL),
            doc_mdp_update_value=fields.MDPPerm.NO_CHANGES,
            **visible,
        )
    return fields.SigFieldSpec(sig_field_name=field, **visible)


def signature_metadata(field: str, *, name: str, reason: str, seal: bool = False):
    """PAdES metadata shared by every way of signing (server-held and signer-held keys)."""
    from pyhanko.sign import fields, signers

    return signers.PdfSignatureMetadata(
        field_name=field,
        name=name,
        reason=reason,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES if seal else fields.MDPPerm.FILL_FORMS,
    )


def refuse_if_sealed(pdf: bytes) -> None:
    if is_sealed(pdf):
        raise SealedError("The settlement is sealed; nothing may sign after the committee seal.")


def signed_by(signer, pdf: bytes) -> Signed:
    from cryptography import x509

    cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    return Signed(pdf=pdf, serial=format(cert.serial_number, "x"), subject=cert.subject.rfc4514_string())


def sign(
    pdf: bytes, signer, *, field: str, name: str, reason: str, seal: bool = False, appearance=None
) -> Signed:
    """Add one PAdES B-T signature by `signer` (a pyHanko Signer from pki) as an incremental
    update; `seal` locks the document. `appearance` (appearance.Appearance) makes it visible."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    refuse_if_sealed(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if appearance is not None:
        out = signers.PdfSigner(
            signature_metadata(field, name=name, reason=reason, seal=seal),
            signer=signer,
            timestamper=timestamper(),
            stamp_style=appearance.style,
            new_field_spec=field_spec(field, seal=seal, box=appearance.box, on_page=appearance.on_page),
        ).sign_pdf(writer, appearance_text_params=appearance.text_params)
        return signed_by(signer, out.getvalue())
    out = signers.sign_pdf(
        writer,
        signature_metadata(field, name=name, reason=reason, seal=seal),
        signer=signer,
        timestamper=timestamper(),
        new_field_spec=field_spec(field, seal=seal),
    )
    return signed_by(signer, out.getvalue())


def verify(pdf: bytes) -> dict:
    """What a relying party needs to know about a PDF's signatures.

    {valid, signatures: [{field, signer, signed_at, intact, trusted, serial}], modified_after_seal,
    sealed}. `valid`: at least one signature, the committee seal last, every signature intact
    and issued by the platform, and nothing added or changed after the seal.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    embedded = list(reader.embedded_signatures)
    roots = [pki.root_certificate(), *pki.legacy_roots()]  # older documents: the pre-token root
    results = []
    modified_after_seal = False
    for index, sig in enumerate(embedded):
        result, seal_broken = _check_signature(sig, roots, last=index == len(embedded) - 1)
        results.append(result)
        modified_after_seal = modified_after_seal or seal_broken
    return verdict(results, modified_after_seal)


def _check_signature(sig, roots, *, last: bool) -> tuple[dict, bool]:
    """One embedded signature validated by pyHanko: its result row, and whether it is the
    committee seal with something after it or outside it (a broken seal)."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context, ts_validation_context=context)
    except Exception:  # a malformed signature is simply not valid
        return (
            {"field": sig.field_name, "signer": "", "signed_at": None, "intact": False, "trusted": False,
             "serial": ""},
            False,
        )  # fmt: skip
    cert = status.signing_cert
    signed_at = (
        status.timestamp_validity.timestamp if status.timestamp_validity else status.signer_reported_dt
    )
    covers_all = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    seal_broken = sig.field_name == SEAL_FIELD and (not last or not covers_all or status.docmdp_ok is False)
    return (
        {
            "field": sig.field_name,
            "signer": cert.subject.native.get("common_name", "") if cert else "",
            "signed_at": signed_at,
            "intact": bool(status.intact and status.valid),
            "trusted": bool(status.trusted),
            "serial": format(cert.serial_number, "x") if cert else "",
            "bottom_line": bool(status.bottom_line),
        },
        seal_broken,
    )


def verdict(results: list[dict], modified_after_seal: bool) -> dict:
    """The answer from the signatures' results: no PDF reading, no cryptography."""
    sealed = any(r["field"] == SEAL_FIELD for r in results)
    valid = bool(
        results
        and sealed
        and not modified_after_seal
        and results[-1]["field"] == SEAL_FIELD
        and all(r["intact"] and r["trusted"] and r.get("bottom_line") for r in results)
    )
    return {
        "valid": valid,
        "signatures": results,
        "modified_after_seal": modified_after_seal,
        "sealed": sealed,
    }
