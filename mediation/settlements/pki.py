"""The platform's signing infrastructure (docs/features/signatures.md, "Keys in the token").

A root CA signs an issuing CA; the issuing CA issues every end-entity certificate (the TSA,
one seal per mediation committee, signers' certificates), the CRL and OCSP responses. Their
private keys live in a PKCS#11 token (hsm), made there as non-extractable EC P-256 keys; only
the public certificates live under settings.PKI_DIR, and each certificate finds its key in
the token by its key identifier. A signer's event key (Electronic Signature Law Art. 13) is
made in memory for one signing and never stored.

Signing code sees pyHanko signers and asn1crypto certificates only, never a key object.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509
from django.conf import settings
from pyhanko.sign.pkcs11 import PKCS11Signer

from . import certs, hsm
from .hsm import TokenError

__all__ = ["TokenError"]

log = logging.getLogger(__name__)

ORGANISATION = certs.ORGANISATION
ROOT_NAME = "Tiaojie Platform Root CA"
ISSUING_NAME = "Tiaojie Platform Issuing CA"
TSA_NAME = "Tiaojie Timestamp Authority"
SEAL_NAME = "人民调解委员会电子印章"  # the platform default committee's seal (no committee)

# Certificate policies under the platform's own 2.25.<UUID> arc (ITU-T X.667).
POLICY_ARC = "2.25.35836264672085729759033626059282653773"
POLICY_HELD = f"{POLICY_ARC}.1.1"  # the signer holds the key (browser-held)
POLICY_EVENT = f"{POLICY_ARC}.1.2"  # the server made the key for one signing, after the SMS check
POLICY_SEAL = f"{POLICY_ARC}.1.3"  # a mediation committee's seal, key in the token
KIND_BY_POLICY = {POLICY_HELD: "held", POLICY_EVENT: "event", POLICY_SEAL: "seal"}
POLICY_BY_KIND = {kind: policy for policy, kind in KIND_BY_POLICY.items()}

_HIERARCHY = {
    # name: (common name, organisational unit, parent, lifetime, registry kind)
    "root": (ROOT_NAME, "", None, timedelta(days=20 * 365), "ca"),
    "issuing": (ISSUING_NAME, "", "root", timedelta(days=10 * 365), "ca"),
    "tsa": (TSA_NAME, "Timestamping", "issuing", timedelta(days=5 * 365), "tsa"),
}
SEAL_LIFETIME = timedelta(days=5 * 365)
RENEW_BEFORE = timedelta(days=1)  # a certificate this close to expiry is replaced

_lock = threading.RLock()
_cache: dict[tuple, x509.Certificate] = {}


@contextmanager
def refuse_when_unavailable():
    """A token that cannot sign (module, token, PIN) becomes a 503 with a user-safe message;
    the caller has changed nothing yet (docs/features/signatures.md, "When the token fails")."""
    from core.errors import ServiceError

    try:
        yield
    except TokenError as error:
        log.error("PKI: the token cannot sign: %s", error.detail)
        raise ServiceError(str(error.message), code="unavailable", status=503) from error


# --- files ----------------------------------------------------------------------------------
def _folder() -> Path:
    folder = Path(settings.PKI_DIR)
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)  # public certificates only: no private key is ever written here
    return folder


def _read(name: str) -> x509.Certificate | None:
    path = _folder() / f"{name}.pem"
    return certs.load_pem(path.read_bytes()) if path.exists() else None


def _write(name: str, cert: x509.Certificate) -> None:
    folder = _folder()
    temporary = folder / f".{name}.pem.{os.getpid()}"
    temporary.write_bytes(certs.pem(cert))
    os.chmod(temporary, 0o644)
    os.replace(temporary, folder / f"{name}.pem")


def _lockfile():
    return hsm.file_lock(_folder() / ".lock")


def _crl_url(base_url: str) -> str:
    return f"{base_url}/pki/crl/issuing.crl" if base_url else ""


def _usable(
    cert: x509.Certificate | None, parent: x509.Certificate | None, common_name: str = "", base_url: str = ""
) -> bool:
    """A stored certificate is kept if it still chains to `parent`, names `common_name`, points
    at `base_url`'s CRL (end entities), is not about to expire, and its key is in the token."""
    if cert is None:
        return False
    if certs.crl_url(cert) != _crl_url(base_url):
        return False
    if parent is not None and cert.authority_key_identifier != parent.key_identifier:
        return False
    if common_name and cert.subject.native.get("common_name") != common_name:
        return False
    if cert["tbs_certificate"]["validity"]["not_after"].native < datetime.now(UTC) + RENEW_BEFORE:
        return False
    return hsm.has_key(hsm.key_id(cert.public_key))


def _make(name: str, subject: x509.Name, parent: x509.Certificate | None, **options) -> x509.Certificate:
    """A new key in the token and its certificate, written under PKI_DIR (caller holds the lock)."""
    public = hsm.generate_key(label=f"tiaojie-{name}")
    if parent is None:  # the self-signed root
        issuer_name, issuer_key = subject, hsm.key_id(public)
    else:
        issuer_name, issuer_key = parent.subject, hsm.key_id(parent.public_key)
    cert = certs.build(subject=subject, public_key=public, issuer_name=issuer_name, issuer_key_id=issuer_key,
                       **options)  # fmt: skip
    _write(name, cert)
    log.info("PKI: made %s, serial %s", name, certs.serial_hex(cert))
    return cert


def _level(name: str) -> x509.Certificate:
    """root, issuing or tsa: the stored certificate, or a new key and certificate."""
    common_name, unit, parent_name, lifetime, kind = _HIERARCHY[name]
    base_url = settings.PKI_BASE_URL if parent_name == "issuing" else ""  # end entities only
    key = (str(_folder()), name, base_url)
    if key in _cache:
        return _cache[key]
    parent = _level(parent_name) if parent_name else None  # before the file lock (not reentrant)
    with _lock, _lockfile():
        cert = _read(name)  # re-read under the lock: another process may have made it
        if not _usable(cert, parent, base_url=base_url):
            cert = _make(
                name, certs.name(common_name, unit), parent, lifetime=lifetime, ca=kind == "ca",
                eku=["time_stamping"] if name == "tsa" else None, base_url=base_url,
            )  # fmt: skip
            record(cert, kind)
        _cache[key] = cert
    if name == "tsa":
        retire_legacy()
    return cert


# --- the old key files ----------------------------------------------------------------------
def retire_legacy() -> list[str]:
    """Key files of the pre-token PKI (root.key.pem, …): once the token hierarchy exists, their
    root certificate moves to legacy/ (still a trust anchor for documents signed before) and
    every private key file is deleted. Returns the deleted files' names."""
    folder = _folder()
    if not any(folder.glob("*.key.pem")) and not (folder / "root.cert.pem").exists():
        return []
    deleted = []
    with _lock, _lockfile():
        legacy = folder / "legacy"
        for old in sorted(folder.glob("*.cert.pem")):
            legacy.mkdir(exist_ok=True)
            cert = certs.load_pem(old.read_bytes())
            os.replace(old, legacy / f"{old.name[: -len('.cert.pem')]}-{certs.serial_hex(cert)}.pem")
        for key_file in sorted(folder.glob("*.key.pem")):
            key_file.unlink()
            deleted.append(key_file.name)
    if deleted:
        log.warning("PKI: deleted the old key files %s; their root stays a trust anchor", deleted)
    return deleted


def legacy_roots() -> list[x509.Certificate]:
    """Roots of the pre-token PKI, still trusted for the documents they signed."""
    return [certs.load_pem(p.read_bytes()) for p in sorted((_folder() / "legacy").glob("root-*.pem"))]


# --- the registry -----------------------------------------------------------------------------
def record(cert: x509.Certificate, kind: str, *, user=None, committee=None) -> None:
    """The certificate's row in the registry (mediation.models.IssuedCertificate), once."""
    from django.db import DatabaseError, transaction

    from mediation.models import IssuedCertificate

    validity = cert["tbs_certificate"]["validity"]
    try:
        with transaction.atomic():
            IssuedCertificate.objects.get_or_create(
                serial=certs.serial_hex(cert),
                defaults={
                    "kind": kind,
                    "subject": cert.subject.human_friendly,
                    "user": user,
                    "committee": committee,
                    "certificate": cert.dump(),
                    "not_before": validity["not_before"].native,
                    "not_after": validity["not_after"].native,
                },
            )
    except DatabaseError:  # before `migrate` (init_pki records again afterwards)
        log.warning("PKI: could not record certificate %s", certs.serial_hex(cert))


# --- certificates -----------------------------------------------------------------------------
def root_certificate() -> x509.Certificate:
    """The platform root, the trust anchor of every signature."""
    return _level("root")


def issuing_certificate() -> x509.Certificate:
    return _level("issuing")


def tsa_certificate() -> x509.Certificate:
    return _level("tsa")


def chain() -> list[x509.Certificate]:
    """The CA certificates above an end-entity certificate: [issuing, root]."""
    return [_level("issuing"), _level("root")]


def root_pem() -> bytes:
    return certs.pem(root_certificate())


def _seal_identity(committee) -> tuple[str, str]:
    if committee is None:
        return "seal-default", SEAL_NAME
    return f"seal-{committee.pk}", committee.name


def seal_certificate(committee=None) -> x509.Certificate:
    """The seal certificate of a mediation committee (None: the platform default committee),
    made with its key in the token on first use; a renamed committee gets a new one."""
    name, common_name = _seal_identity(committee)
    base_url = settings.PKI_BASE_URL
    key = (str(_folder()), name, common_name, base_url)
    if key in _cache:
        return _cache[key]
    issuing = _level("issuing")
    with _lock, _lockfile():  # two processes never make two keys for one committee
        cert = _read(name)
        if not _usable(cert, issuing, common_name, base_url):
            cert = _make(
                name, certs.name(common_name, "Seal"), issuing, lifetime=SEAL_LIFETIME, policy=POLICY_SEAL,
                base_url=base_url,
            )  # fmt: skip
        _cache[key] = cert
    return cert


def issue_signer_certificate(
    public_key, *, full_name: str, masked_id: str = "", role: str, kind: str, user=None
) -> x509.Certificate:
    """A signer's certificate for `public_key` (asn1crypto PublicKeyInfo), issued by the issuing
    CA in the token. kind: "held" (the signer holds the key) or "event" (made for one signing)."""
    if kind not in ("held", "event"):
        raise ValueError(f"unknown signer certificate kind {kind!r}")
    issuing = _level("issuing")
    cert = certs.build(
        subject=certs.name(full_name, f"Signer ({role})", serial=masked_id),
        public_key=public_key,
        issuer_name=issuing.subject,
        issuer_key_id=hsm.key_id(issuing.public_key),
        lifetime=settings.PKI_EVENT_CERT_LIFETIME,
        policy=POLICY_BY_KIND[kind],
        base_url=settings.PKI_BASE_URL,
    )
    record(cert, kind, user=user)
    return cert


def certificate_kind(cert: x509.Certificate) -> str:
    """ "held", "event" or "seal" from the certificate's policy; "" for any other."""
    for policy in certs.policies(cert):
        if policy in KIND_BY_POLICY:
            return KIND_BY_POLICY[policy]
    return ""


# --- signers ----------------------------------------------------------------------------------
class TokenSigner(PKCS11Signer):
    """pyHanko's PKCS#11 signer for a key in the platform token. The certificate is given (from
    PKI_DIR); each signature goes through the process's one session under its lock (hsm), as raw
    ECDSA over a digest made here (SoftHSM 2.6 has no ECDSA_SHA256)."""

    def __init__(self, cert: x509.Certificate, ca_chain: list[x509.Certificate]):
        super().__init__(
            pkcs11_session=None,
            signing_cert=cert,
            ca_chain=ca_chain,
            key_id=hsm.key_id(cert.public_key),
            use_raw_mechanism=True,
        )
        self._loaded = True  # nothing to pull: the key is looked up by id for each signature

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return await super().async_sign_raw(data, digest_algorithm, dry_run=True)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, hsm.sign, self.key_id, data, digest_algorithm.lower())


def issuing_signer() -> TokenSigner:
    """The issuing CA's signer (CRLs, OCSP responses): `await signer.async_sign_raw(data, 'sha256')`."""
    cert = issuing_certificate()
    record(cert, "ca")
    return TokenSigner(cert, [root_certificate()])


def tsa_signer() -> TokenSigner:
    cert = tsa_certificate()
    record(cert, "tsa")
    return TokenSigner(cert, chain())


def seal_signer(committee=None) -> TokenSigner:
    """The committee seal's signer (`committee`: a mediation Committee; None: the default)."""
    cert = seal_certificate(committee)
    record(cert, "seal", committee=committee)
    return TokenSigner(cert, chain())


def event_signer(full_name: str, role: str, masked_id: str = "", user=None):
    """A signer for one signing: a fresh in-memory key (never stored) under an event certificate."""
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    public = asn1_keys.PublicKeyInfo.load(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    cert = issue_signer_certificate(public, full_name=full_name, masked_id=masked_id, role=role, kind="event",
                                    user=user)  # fmt: skip
    private = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return signers.SimpleSigner(
        signing_cert=cert, signing_key=private, cert_registry=SimpleCertificateStore.from_certs(chain())
    )


def ensure(committees=()) -> dict:
    """Everything `manage.py init_pki` makes: root, issuing CA, TSA, the default seal and one
    seal per committee, each recorded; old key files retired. {name: certificate}."""
    made = {name: _level(name) for name in _HIERARCHY}
    for name, cert in made.items():
        record(cert, _HIERARCHY[name][4])
    made["seal-default"] = seal_certificate(None)
    record(made["seal-default"], "seal")
    for committee in committees:
        cert = seal_certificate(committee)
        record(cert, "seal", committee=committee)
        made[f"seal-{committee.pk}"] = cert
    retire_legacy()
    return made


def _timestamper_class():
    from asn1crypto import algos, cms, core
    from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
    from pyhanko.sign.timestamps import DummyTimeStamper

    class TokenTimeStamper(DummyTimeStamper):
        """An in-process RFC 3161 timestamper whose TSA key is in the token: pyHanko's
        DummyTimeStamper with its RSA-only signing step done by the token (ECDSA)."""

        def __init__(self, tsa_cert, certs_to_embed=()):
            super().__init__(tsa_cert=tsa_cert, tsa_key=None, certs_to_embed=list(certs_to_embed))

        def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
            import hashlib

            signed_attrs = cms.CMSAttributes(
                [
                    simple_cms_attribute("content_type", "tst_info"),
                    simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                    simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                    simple_cms_attribute("message_digest", hashlib.new(md_algorithm, tst_info_data).digest()),
                ]
            )
            key = hsm.key_id(self.tsa_cert.public_key)
            return hsm.sign(key, signed_attrs.dump(), md_algorithm), signed_attrs

        def _build_signed_data(self, tst_info_data, md_algorithm, signature, signed_attrs):
            data = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
            data["signer_infos"][0]["signature_algorithm"] = algos.SignedDigestAlgorithm(
                {"algorithm": f"{md_algorithm}_ecdsa"}
            )
            return data

    return TokenTimeStamper


def timestamper():
    """The in-process timestamp authority, its key in the token (signing.timestamper() uses it
    until a TSA over HTTP is configured)."""
    tsa = tsa_certificate()
    record(tsa, "tsa")
    return _timestamper_class()(tsa, certs_to_embed=chain())
