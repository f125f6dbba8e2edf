"""The trust services as their own process: the TSA, OCSP, the CRL, revocation, and verification
that holds with the services stopped (docs/features/trust-services.md)."""

from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import algos, core, ocsp, tsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from rest_framework.test import APIClient

from mediation.models import IssuedCertificate
from mediation.settlements import pki, revocation, signing
from tests import factories, samples
from tests.trust_process import TrustProcess

pytestmark = pytest.mark.django_db


def post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sealed(document: bytes, *signers) -> bytes:
    """Sign `document` by each (name, role, signer) and seal it, as the application does."""
    for index, (name, role, signer) in enumerate(signers, start=1):
        document = signing.sign(
            document, signer, field=f"Signature{index}_{role}", name=name, reason=role
        ).pdf
    return signing.sign(
        document, pki.seal_signer(), field=signing.SEAL_FIELD, name="委员会", reason="seal", seal=True
    ).pdf


def registered(signer) -> IssuedCertificate:
    return IssuedCertificate.objects.get(serial=format(signer.signing_cert.serial_number, "x"))


def superuser_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


# --- TSA -------------------------------------------------------------------------------------------
def test_a_malformed_timestamp_request_gets_a_clean_rejection(trust_services):
    status, content_type, body = post(
        trust_services.tsa_url, b"not a TimeStampReq", "application/timestamp-query"
    )
    assert (status, content_type) == (200, "application/timestamp-reply")
    assert b"Traceback" not in body
    # A TimeStampResp with a status and no token.
    status_info = tsp.PKIStatusInfo.load(core.Sequence.load(body)[0].dump())
    assert status_info["status"].native == "rejection"
    assert "bad_data_format" in status_info["fail_info"].native
    assert get(trust_services.tsa_url)[0] == 405


def test_a_timestamp_verifies_against_the_tsa_certificate(trust_services):
    digest = hashlib.sha256(b"settlement").digest()
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                                "hashed_message": digest},
            "nonce": 12345,
            "cert_req": True,
        }
    )  # fmt: skip
    status, content_type, body = post(trust_services.tsa_url, request.dump(), "application/timestamp-query")
    assert (status, content_type) == (200, "application/timestamp-reply")
    reply = tsp.TimeStampResp.load(body)
    assert reply["status"]["status"].native == "granted"
    signed = reply["time_stamp_token"]["content"]
    info = signed["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == 12345
    assert abs(info["gen_time"].native - datetime.now(UTC)) < timedelta(minutes=1)
    tsa = x509.load_der_x509_certificate(pki.tsa_certificate().dump())
    assert pki.tsa_certificate().dump() in [c.chosen.dump() for c in signed["certificates"]]
    signer_info = signed["signer_infos"][0]
    # The signature over the signed attributes verifies with the TSA certificate's key.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    attrs = signer_info["signed_attrs"].untag().dump()
    key = tsa.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signer_info["signature"].native, attrs, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(signer_info["signature"].native, attrs, padding.PKCS1v15(), hashes.SHA256())
    # And pyHanko accepts the token, chained to the platform root.
    import asyncio

    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    result = asyncio.run(
        validate_tst_signed_data(
            signed, ValidationContext(trust_roots=[pki.root_certificate()]), lambda algorithm: digest
        )
    )
    assert result["intact"] and result["valid"]


# --- OCSP and CRL ----------------------------------------------------------------------------------
def ocsp_status(trust_services, cert) -> str:
    issuing = pki.issuing_certificate()
    request = ocsp.OCSPRequest(
        {
            "tbs_request": {
                "request_list": [
                    {
                        "req_cert": {
                            "hash_algorithm": {"algorithm": "sha1"},
                            "issuer_name_hash": hashlib.sha1(issuing.subject.dump()).digest(),
                            "issuer_key_hash": issuing.public_key.sha1,
                            "serial_number": cert.serial_number,
                        }
                    }
                ]
            }
        }
    )
    status, content_type, body = post(
        f"{trust_services.base_url}/pki/ocsp/", request.dump(), "application/ocsp-request"
    )
    assert (status, content_type) == (200, "application/ocsp-response")
    response = ocsp.OCSPResponse.load(body)
    assert response["response_status"].native == "successful"
    basic = response.basic_ocsp_response
    tbs = basic["tbs_response_data"]
    # Signed by the issuing CA.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    key = x509.load_der_x509_certificate(issuing.dump()).public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(basic["signature"].native, tbs.dump(), ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(basic["signature"].native, tbs.dump(), padding.PKCS1v15(), hashes.SHA256())
    return tbs["responses"][0]["cert_status"].name


def test_ocsp_answers_good_for_a_live_certificate_and_revoked_for_a_revoked_one(trust_services):
    live = pki.event_signer("张三", "claimant")
    gone = pki.event_signer("李四", "respondent")
    revocation.revoke(registered(gone), by=None, reason="key_compromise")
    revocation.publish()
    assert ocsp_status(trust_services, live.signing_cert) == "good"
    assert ocsp_status(trust_services, gone.signing_cert) == "revoked"


def test_ocsp_refuses_a_malformed_request_cleanly(trust_services):
    status, _, body = post(
        f"{trust_services.base_url}/pki/ocsp/", b"\x30\x03junk", "application/ocsp-request"
    )
    assert status == 200
    assert ocsp.OCSPResponse.load(body)["response_status"].native == "malformed_request"


def test_the_crl_lists_the_revoked_serial_and_is_signed_by_the_issuing_ca(trust_services):
    gone = pki.event_signer("李四", "respondent")
    revocation.revoke(registered(gone), by=None, reason="key_compromise")
    revocation.publish()
    status, der = get(f"{trust_services.base_url}/pki/crl/issuing.crl")
    assert status == 200
    crl = x509.load_der_x509_crl(der)
    issuing = x509.load_der_x509_certificate(get(f"{trust_services.base_url}/pki/issuing.cer")[1])
    assert issuing.public_bytes(Encoding.DER) == pki.issuing_certificate().dump()
    assert crl.issuer == issuing.subject
    assert crl.is_signature_valid(issuing.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(gone.signing_cert.serial_number)
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.key_compromise
    )
    assert crl.next_update_utc > datetime.now(UTC) > crl.last_update_utc - timedelta(minutes=1)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > 0
    root = x509.load_der_x509_certificate(get(f"{trust_services.base_url}/pki/root.cer")[1])
    assert root.subject == x509.load_der_x509_certificate(pki.root_certificate().dump()).subject


def test_a_crl_built_by_the_service_itself_when_none_was_published(tmp_path, pki_dir):
    """The process answers with a signed CRL even before the application published one."""
    process = TrustProcess(pki_dir, tmp_path / "publish", tmp_path / "trust.log").start()
    try:
        status, der = get(f"{process.base_url}/pki/crl/issuing.crl")
    finally:
        process.stop()
    assert status == 200
    crl = x509.load_der_x509_crl(der)
    assert len(list(crl)) == 0
    issuing = x509.load_der_x509_certificate(pki.issuing_certificate().dump())
    assert crl.is_signature_valid(issuing.public_key())


# --- verification without the services --------------------------------------------------------------
def test_a_stored_agreement_validates_offline_with_the_trust_process_stopped(tmp_path, pki_dir, settings):
    process = TrustProcess(pki_dir, settings.TRUST_PUBLISH_DIR, tmp_path / "trust.log").start()
    settings.TSA_URL, settings.PKI_BASE_URL = process.tsa_url, process.base_url
    try:
        document = sealed(samples.pdf("offline"), ("张三", "claimant", pki.event_signer("张三", "claimant")))
    finally:
        process.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{process.base_url}/pki/root.cer", timeout=2)
    result = signing.verify(document)
    assert result["valid"] is True, result
    assert all(s["intact"] and s["trusted"] for s in result["signatures"])
    assert [t["intact"] for t in result["document_timestamps"]] == [True]


# --- revocation ------------------------------------------------------------------------------------
def test_revoking_is_for_superusers_with_a_known_serial_and_a_listed_reason(trust_services, claimant):
    signer = pki.event_signer("张三", "claimant")
    serial = registered(signer).serial
    url = f"/api/v1/certificates/{serial}/revoke/"
    assert APIClient().post(url, {"reason": "key_compromise"}, format="json").status_code == 401
    someone = APIClient()
    someone.force_authenticate(claimant)
    assert someone.post(url, {"reason": "key_compromise"}, format="json").status_code == 403
    admin = superuser_client()
    assert (
        admin.post(
            "/api/v1/certificates/abc123/revoke/", {"reason": "key_compromise"}, format="json"
        ).status_code
        == 404
    )
    assert (
        admin.post(
            "/api/v1/certificates/not-hex!/revoke/", {"reason": "key_compromise"}, format="json"
        ).status_code
        == 404
    )
    bad = admin.post(url, {"reason": "bored"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"]["reason"]
    assert admin.post(url, {}, format="json").status_code == 400
    ok = admin.post(url, {"reason": "key_compromise"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["revoked_at"] and ok.json()["revocation_reason"] == "key_compromise"
    assert admin.post(url, {"reason": "key_compromise"}, format="json").status_code == 409
    from core.models import AuditEntry

    entry = AuditEntry.objects.filter(target=f"certificate:{serial}").get()
    assert entry.data["operation"] == "revoke" and entry.actor == "root"


def test_a_revocation_reaches_the_crl_once_committed(trust_services, django_capture_on_commit_callbacks):
    signer = pki.event_signer("张三", "claimant")
    serial = registered(signer).serial
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client().post(
            f"/api/v1/certificates/{serial}/revoke/", {"reason": "key_compromise"}, format="json"
        )
    assert response.status_code == 200
    crl = x509.load_der_x509_crl(get(f"{trust_services.base_url}/pki/crl/issuing.crl")[1])
    assert crl.get_revoked_certificate_by_serial_number(signer.signing_cert.serial_number) is not None


def verify_upload(document: bytes) -> dict:
    upload = samples.upload("agreement.pdf", document, "application/pdf")
    response = APIClient().post("/api/v1/verify/", {"file": upload}, format="multipart")
    assert response.status_code == 200
    return response.json()


def test_a_certificate_revoked_after_signing_still_verifies_and_shows_when(trust_services):
    signer = pki.event_signer("张三", "claimant")
    document = sealed(samples.pdf("after"), ("张三", "claimant", signer))
    revocation.revoke(registered(signer), by=None, reason="key_compromise")
    answer = verify_upload(document)
    assert answer["valid"] is True, answer
    first = answer["signatures"][0]
    assert first["revoked_at"] and first["intact"] is True
    assert first["certificate_kind"] == "event"
    assert answer["signatures"][-1]["certificate_kind"] == "seal"


def test_a_revoked_certificate_cannot_sign_through_the_platform(trust_services):
    signer = pki.event_signer("张三", "claimant")
    revocation.revoke(registered(signer), by=None, reason="key_compromise")
    revocation.publish()
    with pytest.raises(Exception, match="(?i)revoked|could not be validated"):
        signing.sign(samples.pdf("late"), signer, field="Signature1_claimant", name="张三", reason="x")


def test_a_signature_made_after_its_certificate_was_revoked_is_invalid(trust_services):
    """A stolen key used after the revocation: its timestamp is later than the revocation."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = pki.event_signer("张三", "claimant")
    revocation.revoke(registered(signer), by=None, reason="key_compromise")
    writer = IncrementalPdfFileWriter(io.BytesIO(samples.pdf("forged")), strict=False)
    forged = signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(
            field_name="Signature1_claimant", subfilter=fields.SigSeedSubFilter.PADES
        ),
        signer=signer,
        timestamper=signing.timestamper(),
    ).getvalue()
    document = signing.sign(
        forged, pki.seal_signer(), field=signing.SEAL_FIELD, name="委员会", reason="seal", seal=True
    ).pdf
    answer = verify_upload(document)
    assert answer["valid"] is False
    assert answer["signatures"][0]["revoked_at"]
    assert answer["modified_after_seal"] is False


def test_the_admin_revokes_selected_certificates_for_superusers_only(
    client, django_capture_on_commit_callbacks
):
    signer = pki.event_signer("张三", "claimant")
    row = registered(signer)
    staff = factories.UserFactory(username="staffer", is_staff=True)
    client.force_login(staff)
    url = "/admin/mediation/issuedcertificate/"
    assert client.get(url).status_code == 403
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "revoke_key_compromise", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revocation_reason == "key_compromise"
    assert row.revoked_by.username == "root"
    status = revocation.read_status()
    assert status.revoked[signer.signing_cert.serial_number].reason == "key_compromise"


def test_the_verify_page_names_the_kind_of_key_and_a_revocation(client, dispute, advance):
    from mediation.settlements import agreements

    settlement = agreements.latest(advance(dispute, "settled"))
    first = settlement.signatures.order_by("signed_at", "id").first()
    revocation.revoke(
        IssuedCertificate.objects.get(serial=first.certificate_serial), by=None, reason="key_compromise"
    )
    page = client.get(
        f"/verify/{settlement.verification_code}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert page.count("平台事件证书") == 3
    assert "调解委员会印章" in page
    assert page.count("吊销") == 1
