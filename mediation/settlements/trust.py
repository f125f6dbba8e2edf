"""The platform's trust services as messages: RFC 3161 timestamps, the issuing CA's CRL and
OCSP answers (docs/features/trust-services.md).

Pure builders: bytes in, DER bytes out, signed through the pyHanko signers pki hands out
(the keys stay in the token). The separate trust process (config/trust_asgi.py) serves
them; the main application publishes what they read (mediation.settlements.revocation).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import algos, cms, core, crl, ocsp, tsp
from asn1crypto import x509 as asn1_x509

from . import pki

# The TSA's policy (TSTInfo.policy): an OID under the UUID arc (ITU-T X.667), no registration needed.
TSA_POLICY = "2.25.248034671152361530964315812271905413915"
DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
CRL_REASONS = (
    "unspecified",
    "key_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "privilege_withdrawn",
)


def _tsa_signer():
    """The TSA's token signer. Built here rather than with pki.tsa_signer(), which also records
    the certificate in the registry: the trust process holds no database connection."""
    return pki.TokenSigner(pki.tsa_certificate(), pki.chain())


def _issuing_signer():
    return pki.TokenSigner(pki.issuing_certificate(), [pki.root_certificate()])


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _time(moment: datetime) -> asn1_x509.Time:
    return asn1_x509.Time({"utc_time": moment} if moment.year < 2050 else {"general_time": moment})


def _run(coro):
    return asyncio.run(coro)


# --- RFC 3161 -------------------------------------------------------------------------------------
class BadRequest(ValueError):
    """The request could not be answered; `failure` is the RFC 3161 PKIFailureInfo bit."""

    def __init__(self, failure: str, text: str):
        super().__init__(text)
        self.failure = failure


class _RejectionResp(core.Sequence):
    """TimeStampResp without a token (asn1crypto's TimeStampResp makes the token mandatory)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def timestamp_rejection(failure: str, text: str) -> bytes:
    return _RejectionResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({failure}),
            }
        }
    ).dump()


def parse_timestamp_request(der: bytes) -> tsp.TimeStampReq:
    try:
        request = tsp.TimeStampReq.load(der)
        _ = request.native  # parse everything now: asn1crypto is lazy
        algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
        digest = request["message_imprint"]["hashed_message"].native
    except Exception as exc:
        raise BadRequest("bad_data_format", "malformed TimeStampReq") from exc
    if algorithm not in DIGESTS:
        raise BadRequest("bad_alg", f"unsupported digest algorithm {algorithm}")
    if len(digest) != DIGESTS[algorithm]:
        raise BadRequest("bad_data_format", "the message imprint has the wrong length")
    if request["req_policy"].native not in (None, TSA_POLICY):
        raise BadRequest("unaccepted_policy", "unknown policy")
    return request


async def async_timestamp_reply(der: bytes, *, now: datetime | None = None) -> bytes:
    """A TimeStampResp (DER) for a TimeStampReq (DER): granted, or a rejection for a bad request."""
    try:
        request = parse_timestamp_request(der)
    except BadRequest as exc:
        return timestamp_rejection(exc.failure, str(exc))
    tsa_cert = pki.tsa_certificate()
    info = {
        "version": "v1",
        "policy": TSA_POLICY,
        "message_imprint": request["message_imprint"],
        "serial_number": secrets.randbits(127),
        "gen_time": core.GeneralizedTime(now or datetime.now(UTC)),
        "accuracy": {"seconds": 1},
        "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject),
    }
    if request["nonce"].native is not None:
        info["nonce"] = request["nonce"]
    tst_info = tsp.TSTInfo(info)
    content = cms.EncapsulatedContentInfo(
        {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info.dump())}
    )
    token = await _tsa_signer().async_sign_general_data(content, "sha256", detached=False)
    if not request["cert_req"].native:  # RFC 3161 §2.4.1: certificates only when asked for
        signed = token["content"]
        token = cms.ContentInfo(
            {
                "content_type": "signed_data",
                "content": cms.SignedData({k: v for k, v in signed.native.items() if k != "certificates"}),
            }
        )
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


def timestamp_reply(der: bytes, *, now: datetime | None = None) -> bytes:
    return _run(async_timestamp_reply(der, now=now))


# --- revocation status --------------------------------------------------------------------------
@dataclass(frozen=True)
class Revoked:
    serial: int
    revoked_at: datetime
    reason: str = "unspecified"


@dataclass
class Status:
    """What the OCSP responder and the CRL know: serials issued, serials revoked (by serial)."""

    issued: set[int] = field(default_factory=set)
    revoked: dict[int, Revoked] = field(default_factory=dict)


async def _sign_with_issuing_ca(tbs: core.Asn1Value) -> tuple[algos.SignedDigestAlgorithm, bytes]:
    signer = _issuing_signer()
    mechanism = signer.get_signature_mechanism_for_digest("sha256")
    return mechanism, await signer.async_sign_raw(tbs.dump(), "sha256")


def _reason(name: str) -> str:
    return name if name in CRL_REASONS else "unspecified"


async def async_build_crl(
    revoked: list[Revoked], *, number: int, now: datetime | None = None, lifetime: timedelta
) -> bytes:
    """The issuing CA's full CRL (DER), signed through the token."""
    issuing = pki.issuing_certificate()
    now = now or _now()
    entries = [
        {
            "user_certificate": r.serial,
            "revocation_date": _time(r.revoked_at.astimezone(UTC).replace(microsecond=0)),
            "crl_entry_extensions": [
                {"extn_id": "crl_reason", "critical": False, "extn_value": _reason(r.reason)}
            ],
        }
        for r in sorted(revoked, key=lambda r: r.serial)
    ]
    signer = _issuing_signer()
    tbs = {
        "version": "v2",
        "signature": signer.get_signature_mechanism_for_digest("sha256"),
        "issuer": issuing.subject,
        "this_update": _time(now),
        "next_update": _time(now + lifetime),
        "crl_extensions": [
            {"extn_id": "crl_number", "critical": False, "extn_value": number},
            {
                "extn_id": "authority_key_identifier",
                "critical": False,
                "extn_value": {"key_identifier": issuing.public_key.sha1},
            },
        ],
    }
    if entries:
        tbs["revoked_certificates"] = entries
    tbs_list = crl.TbsCertList(tbs)
    mechanism, signature = await _sign_with_issuing_ca(tbs_list)
    return crl.CertificateList(
        {"tbs_cert_list": tbs_list, "signature_algorithm": mechanism, "signature": signature}
    ).dump()


def build_crl(
    revoked: list[Revoked], *, number: int, lifetime: timedelta, now: datetime | None = None
) -> bytes:
    return _run(async_build_crl(revoked, number=number, now=now, lifetime=lifetime))


def ocsp_failure(status: str = "malformed_request") -> bytes:
    return ocsp.OCSPResponse({"response_status": status}).dump()


def _issued_by(cert_id: ocsp.CertId, issuing: asn1_x509.Certificate) -> bool:
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    if algorithm not in ("sha1", "sha256", "sha384", "sha512"):
        return False
    name_hash = hashlib.new(algorithm, issuing.subject.dump()).digest()
    key_hash = hashlib.new(algorithm, issuing.public_key["public_key"].contents[1:]).digest()
    return cert_id["issuer_name_hash"].native == name_hash and cert_id["issuer_key_hash"].native == key_hash


def _single(cert_id: ocsp.CertId, status: Status, issuing, now: datetime, lifetime: timedelta) -> dict:
    serial = cert_id["serial_number"].native
    if not _issued_by(cert_id, issuing):
        cert_status = ocsp.CertStatus(name="unknown", value=core.Null())
    elif serial in status.revoked:
        r = status.revoked[serial]
        cert_status = ocsp.CertStatus(
            name="revoked",
            value={
                "revocation_time": core.GeneralizedTime(r.revoked_at.astimezone(UTC).replace(microsecond=0)),
                "revocation_reason": _reason(r.reason),
            },
        )
    elif serial in status.issued:
        cert_status = ocsp.CertStatus(name="good", value=core.Null())
    else:
        cert_status = ocsp.CertStatus(name="unknown", value=core.Null())
    return {
        "cert_id": cert_id,
        "cert_status": cert_status,
        "this_update": core.GeneralizedTime(now),
        "next_update": core.GeneralizedTime(now + lifetime),
    }


async def async_ocsp_reply(
    der: bytes, status: Status, *, lifetime: timedelta, now: datetime | None = None
) -> bytes:
    """An OCSP response (DER) signed by the issuing CA: good, revoked or unknown per certificate."""
    try:
        request = ocsp.OCSPRequest.load(der)
        _ = request.native
        items = list(request["tbs_request"]["request_list"])
    except Exception:
        return ocsp_failure()
    if not items:
        return ocsp_failure()
    issuing = pki.issuing_certificate()
    now = now or _now()
    data = {
        "responder_id": ocsp.ResponderId(name="by_name", value=issuing.subject),
        "produced_at": core.GeneralizedTime(now),
        "responses": [_single(item["req_cert"], status, issuing, now, lifetime) for item in items],
    }
    nonce = request.nonce_value
    if nonce is not None:
        data["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce.native}]
    tbs = ocsp.ResponseData(data)
    mechanism, signature = await _sign_with_issuing_ca(tbs)
    # The responder's certificate rides along: NSS (poppler's pdfsig) finds the signer of a
    # response only among the certificates it carries or already knows.
    basic = ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": mechanism,
            "signature": signature,
            "certs": [issuing],
        }
    )
    return ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    ).dump()
