"""TEMPORARY until helper `token`'s pki.issue_signer_certificate is merged: delete then."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.conf import settings

from . import pki


def issue_signer_certificate(public_key, *, full_name, masked_id="", role, kind, user=None):
    key = serialization.load_der_public_key(public_key.dump())
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, full_name)]
    if masked_id:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, masked_id))
    attrs += [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"Signer ({role}, {kind})"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, pki.ORGANISATION),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
    ]
    cert = pki.issue(x509.Name(attrs), key, pki.get().root, lifetime=settings.PKI_EVENT_CERT_LIFETIME)
    return pki.asn1_certificate(cert)
