"""PAdES signatures on settlement PDFs with pyHanko, and their verification
(docs/features/settlements.md).

Every signature is PAdES B-T (an RFC 3161 timestamp from the platform TSA), added as an
incremental update. The committee seal is the last signature: its field lock forbids any
change after it, and sign() refuses a sealed document (pyHanko itself would sign it).
Verification uses pyHanko's validation with its difference analysis, because poppler's
pdfsig reports an update appended after the signatures as valid.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from . import pki

SEAL_FIELD = "CommitteeSeal"
DOC_TIMESTAMP_FIELD = "ArchiveTimestamp"


class SealedError(Exception):
    """The document carries the committee seal: nothing may sign after it."""


@dataclass(frozen=True)
class Signed:
    pdf: bytes
    serial: str
    subject: str


def timestamper():
    """The platform TSA (RFC 3161) that stamps every signature and the audit log's anchors: the
    trust process at settings.TSA_URL (docs/features/trust-services.md)."""
    from django.conf import settings
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(settings.TSA_URL, timeout=10)


def signing_validation_context():
    """Signing validates the signer's chain and fetches its revocation data from the trust
    services, which pyHanko then embeds in the DSS (PAdES B-LT): a revoked or unreachable
    certificate cannot sign."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[pki.root_certificate()],
        other_certs=pki.chain(),
        allow_fetching=True,
        revocation_mode="hard-fail",
        # The context's moment is its creation; on a busy host the CRL and OCSP answers fetched
        # afterwards are more than the 1 s tolerance newer and were refused as "too recent".
        retroactive_revinfo=True,
    )


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
    from pyhanko.sign.signers import pdf_signer

    return signers.PdfSignatureMetadata(
        field_name=field,
        name=name,
        reason=reason,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES if seal else fields.MDPPerm.FILL_FORMS,
        # B-LT: certificates, CRLs and OCSP responses in the DSS; B-LTA at the seal: a document
        # timestamp over all of it (docs/features/trust-services.md).
        embed_validation_info=True,
        validation_context=signing_validation_context(),
        use_pades_lta=seal,
        timestamp_field_name=DOC_TIMESTAMP_FIELD if seal else None,
        # The validation data goes into the signature's own revision, and at the seal before the
        # document timestamp: whatever signed last covers the whole file (pdfsig says so too).
        dss_settings=pdf_signer.DSSContentSettings(
            include_vri=False,
            placement=pdf_signer.SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
            next_ts_settings=pdf_signer.TimestampDSSContentSettings(include_vri=False, update_before_ts=True),
        ),
    )


def refuse_if_sealed(pdf: bytes) -> None:
    if is_sealed(pdf):
        raise SealedError("The settlement is sealed; nothing may sign after the committee seal.")


def signed_by(signer, pdf: bytes) -> Signed:
    from cryptography import x509

    cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    return Signed(pdf=pdf, serial=format(cert.serial_number, "x"), subject=cert.subject.rfc4514_string())


def pdf_signer(signer, *, field: str, name: str, reason: str, seal: bool = False, appearance=None):
    """pyHanko's PdfSigner for one signature, the same for server-held and signer-held keys:
    B-LT metadata, the platform TSA and, with `appearance` (appearance.Appearance), a visible field."""
    from pyhanko.sign import signers

    if appearance is None:
        look = {"new_field_spec": field_spec(field, seal=seal)}
    else:
        look = {
            "stamp_style": appearance.style,
            "new_field_spec": field_spec(field, seal=seal, box=appearance.box, on_page=appearance.on_page),
        }
    return signers.PdfSigner(
        signature_metadata(field, name=name, reason=reason, seal=seal),
        signer=signer,
        timestamper=timestamper(),
        **look,
    )


def sign(
    pdf: bytes, signer, *, field: str, name: str, reason: str, seal: bool = False, appearance=None
) -> Signed:
    """Add one PAdES B-LT signature by `signer` (a pyHanko Signer from pki) as an incremental
    update; `seal` locks the document and adds the document timestamp (B-LTA)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    refuse_if_sealed(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = asyncio.run(
        _sign(
            pdf_signer(signer, field=field, name=name, reason=reason, seal=seal, appearance=appearance),
            writer,
            appearance.text_params if appearance is not None else None,
        )
    )
    return signed_by(signer, out.getvalue())


async def _sign(pdf_signer, writer, text_params):
    try:
        return await pdf_signer.async_sign_pdf(writer, appearance_text_params=text_params)
    finally:
        await close_fetchers(pdf_signer)


async def close_fetchers(pdf_signer) -> None:
    """The HTTP session the validation context opened to fetch CRLs and OCSP answers is closed
    in the event loop that used it (otherwise each signature leaks one until collected)."""
    await pdf_signer.signature_meta.validation_context.aclose()


def verify(pdf: bytes) -> dict:
    """What a relying party needs to know about a PDF's signatures, from what the file carries
    (no fetching: it holds when the trust services are down or gone).

    {valid, signatures: [{field, signer, signed_at, intact, trusted, serial, certificate_kind,
    revoked_at}], document_timestamps: [{field, signed_at, intact}], modified_after_seal, sealed}.
    `valid`: at least one signature, the committee seal the last signature (document timestamps
    may follow it), every signature intact, issued by the platform and not revoked when it was
    made (its timestamp proves when), and nothing but validation data added after the seal.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    embedded = list(reader.embedded_signatures)
    signatures = [s for s in embedded if s.sig_object_type != "/DocTimeStamp"]
    stamps = [s for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    evidence = _embedded_evidence(reader)
    roots = [pki.root_certificate(), *pki.legacy_roots()]  # older documents: the pre-token root
    results = []
    modified_after_seal = False
    for index, sig in enumerate(signatures):
        result, seal_broken = _check_signature(sig, roots, evidence, last=index == len(signatures) - 1)
        results.append(result)
        modified_after_seal = modified_after_seal or seal_broken
    _add_registry_revocations(results)
    answer = verdict(results, modified_after_seal)
    answer["document_timestamps"] = [_check_doc_timestamp(s, roots, evidence) for s in stamps]
    answer["valid"] = answer["valid"] and all(t["intact"] for t in answer["document_timestamps"])
    return answer


def _embedded_evidence(reader) -> dict:
    """Certificates, CRLs and OCSP responses from the document's DSS (none without one)."""
    from asn1crypto import crl, ocsp
    from pyhanko.pdf_utils.decode_limits import DecodePurpose
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return {"other_certs": [], "crls": [], "ocsps": []}
    return {
        "other_certs": list(dss.load_certs()),
        "crls": [crl.CertificateList.load(r.get_object().read_data(DecodePurpose.CRL)) for r in dss.crls],
        "ocsps": [
            ocsp.OCSPResponse.load(r.get_object().read_data(DecodePurpose.OCSP_RESPONSE)) for r in dss.ocsps
        ],
    }


def _context(roots, evidence: dict, moment):
    """Offline validation at `moment` (the signature's timestamp) with revocation checking on:
    a certificate that names a CRL or OCSP responder needs embedded data saying it was good."""
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=roots,
        other_certs=[*pki.chain(), *evidence["other_certs"]],
        crls=evidence["crls"],
        ocsps=evidence["ocsps"],
        allow_fetching=False,
        revocation_mode="hard-fail",
        moment=moment,
        # Revocation data fetched right after signing counts for the signing time (PAdES B-LT).
        retroactive_revinfo=True,
    )


def _timestamp_time(sig):
    """The time in the signature's RFC 3161 token (checked by the validation that follows)."""
    attrs = sig.signer_info["unsigned_attrs"]
    if not attrs:
        return None
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            token = attr["values"][0]
            return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
    return None


def _certificate_kind(cert) -> str:
    try:
        return pki.certificate_kind(cert) or ""
    except Exception:  # not one of the platform's certificates
        return ""


def _check_signature(sig, roots, evidence, *, last: bool) -> tuple[dict, bool]:
    """One embedded signature validated by pyHanko: its result row, and whether it is the
    committee seal with something after it or outside it (a broken seal)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        moment = _timestamp_time(sig)
        context = _context(roots, evidence, moment)
        status = validate_pdf_signature(sig, signer_validation_context=context, ts_validation_context=context)
    except Exception:  # a malformed signature is simply not valid
        return (
            {"field": sig.field_name, "signer": "", "signed_at": None, "intact": False, "trusted": False,
             "serial": "", "certificate_kind": "", "revoked_at": None},
            False,
        )  # fmt: skip
    cert = status.signing_cert
    ts = status.timestamp_validity
    signed_at = ts.timestamp if ts else status.signer_reported_dt
    timestamp_ok = ts is None or (ts.intact and ts.valid and ts.trusted and ts.timestamp == moment)
    coverage = status.coverage.name if status.coverage is not None else ""
    only_validation_data_after = coverage == "ENTIRE_REVISION" and (
        status.modification_level is not None and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
    covers_all = coverage == "ENTIRE_FILE" or only_validation_data_after
    seal_broken = sig.field_name == SEAL_FIELD and (not last or not covers_all or status.docmdp_ok is False)
    return (
        {
            "field": sig.field_name,
            "signer": cert.subject.native.get("common_name", "") if cert else "",
            "signed_at": signed_at,
            "intact": bool(status.intact and status.valid),
            "trusted": bool(status.trusted and timestamp_ok),
            "serial": format(cert.serial_number, "x") if cert else "",
            "bottom_line": bool(status.bottom_line and timestamp_ok),
            "certificate_kind": _certificate_kind(cert) if cert else "",
            "revoked_at": None,
        },
        seal_broken,
    )


def _check_doc_timestamp(sig, roots, evidence) -> dict:
    from pyhanko.sign.validation import validate_pdf_timestamp

    try:
        moment = sig.signed_data["encap_content_info"]["content"].parsed["gen_time"].native
        status = validate_pdf_timestamp(sig, validation_context=_context(roots, evidence, moment))
    except Exception:
        return {"field": sig.field_name, "signed_at": None, "intact": False}
    return {
        "field": sig.field_name,
        "signed_at": status.timestamp,
        "intact": bool(status.intact and status.valid and status.trusted),
    }


def _add_registry_revocations(results: list[dict]) -> None:
    """The platform's own register knows revocations the file cannot (made after it was
    signed, or never embedded): a certificate revoked before its signature's time makes that
    signature untrusted; one revoked later only shows when."""
    from ..models import IssuedCertificate

    serials = [r["serial"] for r in results if r["serial"]]
    if not serials:
        return
    revoked = dict(
        IssuedCertificate.objects.filter(serial__in=serials, revoked_at__isnull=False).values_list(
            "serial", "revoked_at"
        )
    )
    for r in results:
        at = revoked.get(r["serial"])
        if at is None:
            continue
        r["revoked_at"] = at
        if r["signed_at"] is None or at <= r["signed_at"]:
            r["trusted"] = r["bottom_line"] = False


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
