"""Settlement signatures by a key the signer holds (docs/features/held-keys.md).

The Electronic Signature Law (Art. 13) wants the signature-creation data under the signer's
sole control. The signer's browser keeps a non-extractable ECDSA P-256 key (WebCrypto,
IndexedDB) and sends only its public key; the platform never sees the private key.

Signing is pyHanko's interrupted signing, in two requests:

1. `prepare`: the turn and the SMS code are checked as for every signature, a short-lived
   certificate is issued for the public key naming the signer, the PDF gets its signature
   placeholder and its digest (`PdfSigner.async_digest_doc_for_signing`), and the CMS signed
   attributes over that digest are built. All of it is kept as a PendingSignature (single
   use, 10 minutes); the signer's device signs the DER of the signed attributes.
2. `complete`: the signature value is checked against the certificate's key over exactly
   those bytes, the CMS is finished with a timestamp (`async_sign_prescribed_attributes`)
   and embedded (`PdfTBSDocument.async_finish_signing`). The result is an
   agreements.Prepared, so the sign transition stores it like any other signature.

Both are pure of HTTP; held_api serves `prepare`, the sign transition calls `complete`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.phones import mask_id_number
from core.errors import ServiceError
from disputes.models import Dispute

from ..models import KeyKind, PendingSignature
from . import agreements, appearance, pdf, pki, signing

ALGORITHM = "ECDSA-P256-SHA256"
LIFETIME = timedelta(minutes=10)
MAX_PUBLIC_KEY_CHARS = 400  # a P-256 SubjectPublicKeyInfo is 91 bytes: 124 base64 characters
MAX_SIGNATURE_CHARS = 200  # raw r||s is 64 bytes, DER at most 72
DIGEST = "sha256"


@dataclass(frozen=True)
class Prepared:
    """What the signer's device needs to sign: the pending signing's id, the bytes to sign."""

    pending: PendingSignature
    to_be_signed: bytes
    certificate: bytes


# --- input ---------------------------------------------------------------------------------------
def _b64(value, *, limit: int, field: str, message: str) -> bytes:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ServiceError(message, code="invalid", field=field)
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ServiceError(message, code="invalid", field=field) from exc


def parse_public_key(value):
    """A base64 DER SubjectPublicKeyInfo of a P-256 key → asn1crypto PublicKeyInfo; else 400."""
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    message = _("Send the public key of an ECDSA P-256 key pair (base64 DER SubjectPublicKeyInfo).")
    der = _b64(value, limit=MAX_PUBLIC_KEY_CHARS, field="public_key", message=message)
    try:
        key = load_der_public_key(der)
        info = asn1_keys.PublicKeyInfo.load(der, strict=True)
    except Exception as exc:  # any malformed structure is the same refusal
        raise ServiceError(message, code="invalid", field="public_key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ServiceError(message, code="invalid", field="public_key")
    return info


def signature_der(value) -> bytes:
    """A signature value as WebCrypto returns it (raw r||s, 64 bytes) or DER → DER; else 400."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

    message = _("The signature is malformed.")
    raw = _b64(value, limit=MAX_SIGNATURE_CHARS, field="signature", message=message)
    if len(raw) == 64:
        return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        r, s = decode_dss_signature(raw)
    except Exception as exc:
        raise ServiceError(message, code="invalid", field="signature") from exc
    der = encode_dss_signature(r, s)
    if der != raw:  # only the canonical encoding
        raise ServiceError(message, code="invalid", field="signature")
    return der


def masked_id(user: User) -> str:
    return mask_id_number(user.id_number) if user.id_number else ""


# --- prepare --------------------------------------------------------------------------------------
def prepare(
    dispute: Dispute,
    user: User,
    *,
    code: str,
    public_key: str,
    version: int | None = None,
    party: int | None = None,
) -> Prepared:
    """Check the turn and the code, certify the public key, and prepare the signature on the
    current file. The code is spent here; the signature needs only the device's key after."""
    settlement, who = agreements.check_signer(dispute, user, version, party)
    role = who.role
    key_info = parse_public_key(public_key)  # before the code: a bad key spends no attempt
    agreements.check_sign_code(user, settlement, code)
    name = user.full_name or user.username
    document = agreements.document_to_sign(settlement)
    signing.refuse_if_sealed(document)
    base = len(signing.field_names(document))
    field = f"Signature{base + 1}_{role}"
    reason = f"{dispute.reference} v{settlement.version} {role}"
    with pki.refuse_when_unavailable():  # the issuing CA and the TSA are in the token: a 503
        certificate = issue_certificate(key_info, name=name, masked_id=masked_id(user), role=role, user=user)
        digest, signed_attrs, output = digest_for_signing(
            document, certificate, field=field, name=name, reason=reason,
            appearance=appearance.for_signature(
                document, role=role, language=pdf.document_language(dispute), slot_name=agreements.slot_name(who),
                role_text=agreements.stamp_role(who, name, pdf.document_language(dispute)),
            ),
        )  # fmt: skip
    now = timezone.now()
    pending = PendingSignature.objects.create(
        dispute=dispute, settlement=settlement, version=settlement.version, signer=user, signer_name=name,
        role=role, party=who.party, capacity=who.capacity, base_signatures=base, field_name=field, output=output,
        document_digest=digest.document_digest, reserved_start=digest.reserved_region_start,
        reserved_end=digest.reserved_region_end, signed_attrs=signed_attrs, certificate=certificate.dump(),
        created_at=now, expires_at=now + LIFETIME,
    )  # fmt: skip
    return Prepared(pending, signed_attrs, certificate.dump())


def issue_certificate(key_info, *, name: str, masked_id: str, role: str, user: User):
    """A short-lived certificate for the signer's public key, with the held-key policy."""
    return pki.issue_signer_certificate(
        key_info, full_name=name, masked_id=masked_id, role=role, kind=KeyKind.HELD, user=user
    )


def _placeholder_signer(certificate, value: bytes | None = None):
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return signers.ExternalSigner(
        signing_cert=certificate,
        cert_registry=SimpleCertificateStore.from_certs(pki.chain()),
        signature_value=value if value is not None else 256,  # room for any ECDSA value
    )


def digest_for_signing(document: bytes, certificate, *, field: str, name: str, reason: str, appearance=None):
    """The document with its placeholder, the byte-range digest, and the signed attributes
    (bytes). The timestamper and the chain are fetched here: they may touch the database,
    which pyHanko's event loop must not. The same PdfSigner as server-held keys (B-LT, visible)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signer = _placeholder_signer(certificate)
    pdf_signer = signing.pdf_signer(signer, field=field, name=name, reason=reason, appearance=appearance)
    writer = IncrementalPdfFileWriter(io.BytesIO(document), strict=False)
    text = appearance.text_params if appearance is not None else None
    return asyncio.run(_digest(pdf_signer, signer, writer, pdf_signer.signature_meta, text))


async def _digest(pdf_signer, signer, writer, meta, text_params):
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    try:
        digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer, appearance_text_params=text_params
        )
    finally:
        await signing.close_fetchers(pdf_signer)
    attrs = await signer.signed_attrs(
        digest.document_digest,
        DIGEST,
        attr_settings=PdfCMSSignedAttributes(
            signing_time=timezone.now(), cades_signed_attrs=meta.cades_signed_attr_spec
        ),
        use_pades=True,
    )
    return digest, attrs.dump(), output.getvalue()


# --- complete -------------------------------------------------------------------------------------
def precheck_sign(dispute_id: int, by: User | None, payload: dict) -> None:
    """The sign transition's precheck: with a `signing_id`, the signer's own key made the
    signature (complete); otherwise the SMS path (agreements.precheck_sign)."""
    if not payload.get("signing_id"):
        agreements.precheck_sign(dispute_id, by, payload)
        return
    dispute = Dispute.objects.filter(pk=dispute_id).first()
    if dispute is None or by is None or agreements.signer_role(dispute, by) is None:
        return  # left to the transition's own 403
    prepared = complete(dispute, by, payload["signing_id"], payload.get("signature", ""))
    payload[agreements.PREPARED] = prepared
    if prepared.party_id is not None and payload.get("party") is None:
        payload["party"] = prepared.party_id  # the party the pending signing was prepared for


def _conflict(message: str) -> ServiceError:
    return ServiceError(message, code="conflict", status=409)


def complete(dispute: Dispute, user: User, signing_id: str, signature: str) -> agreements.Prepared:
    """The signed document from a pending signing and the device's signature value.

    Refused, with nothing changed: an unknown id (400), a malformed or wrong signature (400),
    a used or expired pending signing, a settlement changed or signed meanwhile (409), the
    token unavailable (503). The pending signing is spent only once the signature is verified
    and the CMS finished; of two completions racing, one spends it and the other gets a 409.
    """
    pending = (
        PendingSignature.objects.filter(pk=str(signing_id)[:40], dispute=dispute, signer=user).first()
        if signing_id
        else None
    )
    if pending is None:
        raise ServiceError(_("There is no such signing in progress."), code="invalid", field="signing_id")
    if pending.used_at is not None:
        raise _conflict(_("This signing has already been completed or abandoned; sign again."))
    if pending.expires_at <= timezone.now():
        raise _conflict(_("This signing has expired; ask for a new code and sign again."))
    settlement, who = agreements.check_signer(dispute, user, pending.version, pending.party_id)
    role = who.role
    if (settlement.pk, role, who.party_id) != (pending.settlement_id, pending.role, pending.party_id) or (
        settlement.signatures.count() != pending.base_signatures
    ):
        raise agreements._changed()
    value = signature_der(signature)
    certificate = _load_certificate(bytes(pending.certificate))
    if not verify_signature(certificate, bytes(pending.signed_attrs), value):
        raise ServiceError(
            _("The signature does not match the key certified for this signing."),
            code="invalid",
            field="signature",
        )
    reserved = (pending.reserved_start, pending.reserved_end)
    with pki.refuse_when_unavailable():  # timestamp and seal keys are in the token: a 503, nothing spent
        document = finish(
            bytes(pending.output), bytes(pending.document_digest), reserved, bytes(pending.signed_attrs),
            certificate, value,
        )  # fmt: skip
        sealed = (
            agreements.add_seal(dispute, settlement, document) if role == agreements.Role.MEDIATOR else None
        )
    with transaction.atomic():  # spend it: only one completion wins
        spent = PendingSignature.objects.filter(pk=pending.pk, used_at=None).update(
            used_at=timezone.now(), output=b""
        )
    if spent != 1:
        raise _conflict(_("This signing has already been completed or abandoned; sign again."))
    signed = signing.signed_by(_placeholder_signer(certificate, value), document)
    return agreements.Prepared(
        settlement.pk,
        pending.base_signatures,
        role,
        pending.signer_name,
        signed,
        sealed,
        kind=KeyKind.HELD,
        party_id=pending.party_id,
        capacity=pending.capacity,
    )


def _load_certificate(der: bytes):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(der)


def verify_signature(certificate, message: bytes, der: bytes) -> bool:
    """ECDSA with SHA-256 by the certificate's key over `message`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    key = load_der_public_key(certificate.public_key.dump())
    try:
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def finish(
    output: bytes,
    document_digest: bytes,
    reserved: tuple[int, int],
    signed_attrs: bytes,
    certificate,
    value: bytes,
) -> bytes:
    """The CMS from the prescribed signed attributes, the device's signature value and a
    timestamp, written into the prepared document's placeholder."""
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest

    signer = _placeholder_signer(certificate, value)
    digest = PreparedByteRangeDigest(
        document_digest=document_digest, reserved_region_start=reserved[0], reserved_region_end=reserved[1]
    )
    return asyncio.run(_finish(signer, signing.timestamper(), digest, signed_attrs, output))


async def _finish(signer, timestamper, digest, signed_attrs: bytes, output: bytes) -> bytes:
    from asn1crypto import cms
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    signature_cms = await signer.async_sign_prescribed_attributes(
        DIGEST, signed_attrs=cms.CMSAttributes.load(signed_attrs), timestamper=timestamper
    )
    buffer = io.BytesIO(output)
    await PdfTBSDocument.async_finish_signing(buffer, digest, signature_cms)
    return buffer.getvalue()


def remove_expired(*, now=None) -> int:
    """Delete pending signings past their expiry (a sweep; they are refused anyway)."""
    now = now or timezone.now()
    return PendingSignature.objects.filter(expires_at__lt=now - LIFETIME).delete()[0]
