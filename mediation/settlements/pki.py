"""The platform's signing infrastructure: a root CA, a timestamp authority, the committee seal.

Keys live under settings.PKI_DIR (directory 0700, key files 0600) and are created on first
use or by `manage.py init_pki`. Signers never get a stored key: each signing gets a fresh
key pair and a short-lived certificate naming the signer (an event certificate, Electronic
Signature Law Art. 13); the private key exists only in memory for that one signing.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

ORGANISATION = "Tiaojie Online Mediation Platform"
ROOT_NAME = "Tiaojie Platform Root CA"
TSA_NAME = "Tiaojie Timestamp Authority"
SEAL_NAME = "人民调解委员会电子印章"

_lock = threading.Lock()


@dataclass(frozen=True)
class Identity:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class Pki:
    root: Identity
    tsa: Identity
    seal: Identity


def _name(common_name: str, unit: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION))
    attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"))
    return x509.Name(attrs)


def new_key(rsa_bits: int = 0):
    """An ECDSA P-256 key (fast to make, one per signing); RSA where a tool needs it."""
    if rsa_bits:
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    return ec.generate_private_key(ec.SECP256R1())


def issue(
    subject: x509.Name,
    public_key,
    issuer: Identity | None,
    *,
    lifetime: timedelta,
    ca: bool = False,
    eku=None,
    signing_key=None,
) -> x509.Certificate:
    """A certificate for `public_key`, signed by `issuer` (None: self-signed with signing_key)."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    authority = issuer.key.public_key() if issuer else public_key
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(authority), critical=False
    )
    if ca:
        usage = dict(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False)
    else:
        usage = dict(digital_signature=True, key_cert_sign=False, crl_sign=False, content_commitment=True)
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False, **usage,
        ),
        critical=True,
    )  # fmt: skip
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return builder.sign(signing_key or issuer.key, hashes.SHA256())


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def _save(folder: Path, name: str, identity: Identity) -> None:
    key = identity.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(folder / f"{name}.key.pem", key, 0o600)
    _write(folder / f"{name}.cert.pem", identity.cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _load(folder: Path, name: str) -> Identity:
    key = serialization.load_pem_private_key((folder / f"{name}.key.pem").read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate((folder / f"{name}.cert.pem").read_bytes())
    return Identity(key, cert)


def create(folder: Path) -> Pki:
    """A new root CA, TSA and seal under `folder` (replacing nothing: call only when absent)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    root_key = new_key()
    root_cert = issue(
        _name(ROOT_NAME), root_key.public_key(), None, lifetime=timedelta(days=3650), ca=True,
        signing_key=root_key,
    )  # fmt: skip
    root = Identity(root_key, root_cert)
    tsa_key = new_key(rsa_bits=3072)  # pyHanko's in-process timestamper signs with RSA only
    tsa = Identity(
        tsa_key,
        issue(
            _name(TSA_NAME), tsa_key.public_key(), root, lifetime=timedelta(days=1825),
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        ),
    )  # fmt: skip
    seal_key = new_key()
    seal = Identity(
        seal_key, issue(_name(SEAL_NAME, "Seal"), seal_key.public_key(), root, lifetime=timedelta(days=1825))
    )
    for name, identity in (("root", root), ("tsa", tsa), ("seal", seal)):
        _save(folder, name, identity)
    return Pki(root, tsa, seal)


_cache: dict[str, Pki] = {}


def get(folder: Path | None = None) -> Pki:
    """The platform PKI, created on first use."""
    folder = Path(folder or settings.PKI_DIR)
    key = str(folder.resolve())
    with _lock:
        if key in _cache:
            return _cache[key]
        if (folder / "root.cert.pem").exists():
            pki = Pki(_load(folder, "root"), _load(folder, "tsa"), _load(folder, "seal"))
        else:
            pki = create(folder)
        _cache[key] = pki
        return pki


def event_identity(full_name: str, role: str) -> Identity:
    """A fresh key pair and a short-lived certificate naming the signer, for one signing."""
    pki = get()
    key = new_key()
    cert = issue(
        _name(full_name, f"Signer ({role})"),
        key.public_key(),
        pki.root,
        lifetime=settings.PKI_EVENT_CERT_LIFETIME,
    )
    return Identity(key, cert)


def root_pem() -> bytes:
    return get().root.cert.public_bytes(serialization.Encoding.PEM)


# --- the seam the signing code uses (docs/features/signatures.md) -------------------------------
# Signing code sees pyHanko signers and asn1crypto certificates only, never a key object, so
# where a key lives (memory, file, token) is this module's business alone.


def asn1_certificate(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def root_certificate():
    """The platform root (asn1crypto), the trust anchor of every signature."""
    return asn1_certificate(get().root.cert)


def chain() -> list:
    """The CA certificates above a signer's certificate, for a signer's certificate registry."""
    return [root_certificate()]


def _identity_signer(identity: Identity):
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = asn1_keys.PrivateKeyInfo.load(
        identity.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return signers.SimpleSigner(
        signing_cert=asn1_certificate(identity.cert),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain()),
    )


def event_signer(full_name: str, role: str):
    """A pyHanko signer for one signing under a fresh event certificate; its key dies with it."""
    return _identity_signer(event_identity(full_name, role))


def seal_signer(committee=None):
    """The committee seal's pyHanko signer (`committee`: a pool Committee, or None)."""
    return _identity_signer(get().seal)
