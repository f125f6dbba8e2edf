"""TEMPORARY SHIM until helper `token` lands its pki.py API: delete after `git merge token`.

Provides pki.issuing_certificate / tsa_certificate / issuing_signer / tsa_signer /
certificate_kind on the file-based PKI, and event certificates carrying CRL DP and AIA.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID
from django.conf import settings

from . import pki


def _issuing_certificate():
    return pki.root_certificate()


def _tsa_certificate():
    return pki.asn1_certificate(pki.get().tsa.cert)


def _issuing_signer():
    return pki._identity_signer(pki.get().root)


_tsa_signers: dict = {}


def _tsa_signer():
    # Loading the RSA key costs 0.5 s; the token's signer will not.
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

    folder = str(settings.PKI_DIR)
    if folder not in _tsa_signers:
        identity = pki.get().tsa
        signer = pki._identity_signer(identity)
        signer.sign_raw = lambda data, digest_algorithm: identity.key.sign(
            data, PKCS1v15(), getattr(hashes, digest_algorithm.upper())()
        )
        _tsa_signers[folder] = signer
    return _tsa_signers[folder]


def _certificate_kind(cert) -> str:
    ou = cert.subject.native.get("organizational_unit_name", "")
    return "seal" if ou == "Seal" else "event"


def _event_identity(full_name: str, role: str):
    platform = pki.get()
    key = pki.new_key()
    base = settings.PKI_BASE_URL.rstrip("/")
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(pki._name(full_name, f"Signer ({role})"))
        .issuer_name(platform.root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + settings.PKI_EVENT_CERT_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(platform.root.key.public_key()), critical=False
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base}/pki/crl/issuing.crl")], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{base}/pki/ocsp/"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base}/pki/issuing.cer"),
                    ),
                ]
            ),
            critical=False,
        )
        .sign(platform.root.key, hashes.SHA256())
    )
    from . import revocation

    revocation.note_issued(cert.serial_number)
    return pki.Identity(key, cert)


def _event_signer(full_name: str, role: str):
    return pki._identity_signer(_event_identity(full_name, role))


_landed = hasattr(pki, "issuing_signer")
for _name, _value in (
    ("issuing_certificate", _issuing_certificate),
    ("tsa_certificate", _tsa_certificate),
    ("issuing_signer", _issuing_signer),
    ("tsa_signer", _tsa_signer),
    ("certificate_kind", _certificate_kind),
):
    if not _landed:
        setattr(pki, _name, _value)
if not _landed:
    pki.event_identity = _event_identity
    pki.event_signer = _event_signer
