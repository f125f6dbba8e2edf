"""X.509 certificates built with asn1crypto and signed by a key in the token
(docs/features/signatures.md, "Certificates"). cryptography's builders need a private key
object, which a token key never becomes, so the TBSCertificate is built and signed here."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from asn1crypto import x509

from . import hsm

ORGANISATION = "Tiaojie Online Mediation Platform"


def name(common_name: str, unit: str = "", serial: str = "") -> x509.Name:
    attrs = {"country_name": "CN", "organization_name": ORGANISATION}
    if unit:
        attrs["organizational_unit_name"] = unit
    attrs["common_name"] = common_name
    if serial:
        attrs["serial_number"] = serial  # a masked ID number, e.g. 110***********123X
    return x509.Name.build(attrs)


def _time(moment: datetime) -> x509.Time:
    if moment.year < 2050:
        return x509.Time({"utc_time": moment})
    return x509.Time({"general_time": moment})


def _uri(url: str) -> x509.GeneralName:
    return x509.GeneralName(name="uniform_resource_identifier", value=url)


def _ext(name: str, value, critical: bool = False) -> dict:
    return {"extn_id": name, "critical": critical, "extn_value": value}


def build(
    *,
    subject: x509.Name,
    public_key,
    issuer_name: x509.Name,
    issuer_key_id: bytes,
    lifetime: timedelta,
    ca: bool = False,
    policy: str = "",
    eku: list[str] | None = None,
    base_url: str = "",
) -> x509.Certificate:
    """A certificate for `public_key` (asn1crypto PublicKeyInfo), signed in the token by the
    key whose CKA_ID is `issuer_key_id` (its own id for a self-signed root). `base_url`: add
    the CRL distribution point and the OCSP / caIssuers access of the issuing CA."""
    now = datetime.now(UTC).replace(microsecond=0)
    usage = (
        {"digital_signature", "key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    )
    extensions = [
        _ext("basic_constraints", {"ca": ca}, critical=True),
        _ext("key_usage", usage, critical=True),
        _ext("key_identifier", hsm.key_id(public_key)),
        _ext("authority_key_identifier", {"key_identifier": issuer_key_id}),
    ]
    if eku:
        extensions.append(_ext("extended_key_usage", eku, critical=True))
    if policy:
        extensions.append(_ext("certificate_policies", [{"policy_identifier": policy}]))
    if base_url:
        extensions.append(
            _ext(
                "crl_distribution_points",
                [{"distribution_point": {"full_name": [
                    _uri(f"{base_url}/pki/crl/issuing.crl")
                ]}}],
            )
        )  # fmt: skip
        extensions.append(
            _ext(
                "authority_information_access",
                [
                    {"access_method": "ocsp",
                     "access_location": _uri(f"{base_url}/pki/ocsp/")},
                    {"access_method": "ca_issuers",
                     "access_location": _uri(f"{base_url}/pki/issuing.cer")},
                ],
            )
        )  # fmt: skip
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": int.from_bytes(os.urandom(16), "big") >> 1,  # positive, 127 bits
            "signature": {"algorithm": "sha256_ecdsa"},
            "issuer": issuer_name,
            "validity": {"not_before": _time(now - timedelta(minutes=5)), "not_after": _time(now + lifetime)},
            "subject": subject,
            "subject_public_key_info": public_key,
            "extensions": extensions,
        }
    )
    signature = hsm.sign(issuer_key_id, tbs.dump(), "sha256")
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature_value": signature,
        }
    )


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def policies(cert: x509.Certificate) -> set[str]:
    value = cert.certificate_policies_value
    return {p["policy_identifier"].dotted for p in value} if value is not None else set()


def crl_url(cert: x509.Certificate) -> str:
    """The first CRL distribution point's address, "" without one."""
    for point in cert.crl_distribution_points:
        for general_name in point["distribution_point"].chosen:
            if general_name.name == "uniform_resource_identifier":
                return general_name.native
    return ""


def pem(cert: x509.Certificate) -> bytes:
    from asn1crypto import pem as asn1_pem

    return asn1_pem.armor("CERTIFICATE", cert.dump())


def load_pem(data: bytes) -> x509.Certificate:
    from asn1crypto import pem as asn1_pem

    _, _, der = asn1_pem.unarmor(data)
    return x509.Certificate.load(der)
