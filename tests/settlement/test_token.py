"""The platform's keys live in the PKCS#11 token (docs/features/signatures.md, "Keys in the
token"): nothing under PKI_DIR or in the database is a private key, every token key is
sensitive and non-extractable, each committee has its own seal, signer certificates say how
their key was held, and a token that cannot sign refuses cleanly."""

from __future__ import annotations

import io
import multiprocessing
from types import SimpleNamespace

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mediation.models import Committee, IssuedCertificate
from mediation.settlements import agreements as settlements
from mediation.settlements import certs, hsm, pki, signing

pytestmark = pytest.mark.django_db


def parses_as_private_key(der: bytes) -> bool:
    for spec in (asn1_keys.PrivateKeyInfo, asn1_keys.ECPrivateKey, asn1_keys.RSAPrivateKey):
        try:
            spec.load(der, strict=True).native  # noqa: B018 - parsing is the check
            return True
        except (ValueError, TypeError, KeyError):
            continue
    return False


def no_private_key_in(data: bytes) -> bool:
    if b"PRIVATE KEY" in data or parses_as_private_key(data):
        return False
    if asn1_pem.detect(data):
        for _type, _headers, der in asn1_pem.unarmor(data, multiple=True):
            if parses_as_private_key(der):
                return False
    return True


def public_key_info(key) -> asn1_keys.PublicKeyInfo:
    return asn1_keys.PublicKeyInfo.load(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def test_the_checks_find_a_private_key_when_there_is_one():
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    raw = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert not no_private_key_in(pem) and not no_private_key_in(der) and not no_private_key_in(raw)
    assert no_private_key_in(certs.pem(pki.root_certificate()))


def test_the_pki_folder_and_the_database_hold_no_private_key(dispute, advance, pki_dir):
    from django.apps import apps
    from django.db import models

    advance(dispute, "settled")  # parties, mediator and seal, through the real transitions
    files = [p for p in pki_dir.rglob("*") if p.is_file()]
    assert {"root.pem", "issuing.pem", "tsa.pem"} <= {p.name for p in files}
    for path in files:
        assert no_private_key_in(path.read_bytes()), path
    checked = 0
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, (models.TextField, models.CharField,
                                                                          models.BinaryField, models.JSONField))]  # fmt: skip
        for row in model.objects.values_list(*[f.attname for f in fields]) if fields else ():
            for value in row:
                if value is None:
                    continue
                data = bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                assert no_private_key_in(data), (model.__name__, data[:80])
                checked += 1
    assert checked and IssuedCertificate.objects.filter(kind="event").count() == 3


def test_every_key_in_the_token_is_sensitive_and_not_extractable():
    pki.chain(), pki.tsa_certificate(), pki.seal_certificate()
    found = hsm.keys()
    assert {"tiaojie-root", "tiaojie-issuing", "tiaojie-tsa", "tiaojie-seal-default"} <= {
        k["label"] for k in found
    }
    for key in found:
        assert key["sensitive"] and not key["extractable"] and key["never_extractable"], key
    for cert in [*pki.chain(), pki.tsa_certificate(), pki.seal_certificate()]:
        assert hsm.key_id(cert.public_key) in {k["id"] for k in found}


def test_the_hierarchy_root_issuing_ca_and_end_entities():
    from cryptography import x509

    root, issuing = (
        x509.load_der_x509_certificate(c.dump()) for c in (pki.root_certificate(), pki.issuing_certificate())
    )
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    for cert in (pki.tsa_certificate(), pki.seal_certificate()):
        x509.load_der_x509_certificate(cert.dump()).verify_directly_issued_by(issuing)
    assert pki.issuing_certificate().ca and pki.root_certificate().ca
    assert pki.tsa_certificate().extended_key_usage_value.native == ["time_stamping"]
    assert [c.subject.native["common_name"] for c in pki.chain()] == [pki.ISSUING_NAME, pki.ROOT_NAME]


def test_each_committee_gets_its_own_seal_naming_it(regions):
    first = Committee.objects.create(name="东湖社区人民调解委员会", region=regions["community1"])
    second = Committee.objects.create(name="西湖街道人民调解委员会", region=regions["street1"])
    one, two = pki.seal_certificate(first), pki.seal_certificate(second)
    assert one.subject.native["common_name"] == first.name
    assert two.subject.native["common_name"] == second.name
    assert one.public_key.dump() != two.public_key.dump()
    assert pki.seal_certificate(first).dump() == one.dump()  # kept, not remade
    assert pki.certificate_kind(one) == pki.certificate_kind(two) == "seal"
    signer = pki.seal_signer(first)
    assert IssuedCertificate.objects.get(serial=certs.serial_hex(one)).committee == first
    assert signer.signing_cert.dump() == one.dump()
    first.name = "东湖社区人民调解委员会（新）"
    assert pki.seal_certificate(first).subject.native["common_name"] == first.name  # renamed: a new seal


def test_the_sealed_settlement_carries_its_committees_seal(dispute, advance):
    from pyhanko.pdf_utils.reader import PdfFileReader

    dispute = advance(dispute, "settled")
    with settlements.latest(dispute).pdf.open("rb") as f:
        embedded = PdfFileReader(io.BytesIO(f.read())).embedded_signatures
        seal = next(s for s in embedded if s.field_name == signing.SEAL_FIELD)
    committee = dispute.mediator.mediator_profile.committee
    assert seal.signer_cert.dump() == pki.seal_certificate(committee).dump()


def test_signer_certificates_carry_the_policy_of_their_kind(claimant):
    key = ec.generate_private_key(ec.SECP256R1())
    held = pki.issue_signer_certificate(
        public_key_info(key), full_name="张三", masked_id="110***********123X", role="claimant", kind="held",
        user=claimant,
    )  # fmt: skip
    assert pki.certificate_kind(held) == "held" and certs.policies(held) == {pki.POLICY_HELD}
    subject = held.subject.native
    assert (subject["common_name"], subject["organizational_unit_name"]) == ("张三", "Signer (claimant)")
    assert subject["pseudonym"] == "110***********123X"
    from cryptography import x509

    assert "110***********123X" in x509.load_der_x509_certificate(held.dump()).subject.rfc4514_string()
    assert held.public_key.dump() == public_key_info(key).dump()
    row = IssuedCertificate.objects.get(serial=certs.serial_hex(held))
    assert (row.kind, row.user, bytes(row.certificate)) == ("held", claimant, held.dump())
    event = pki.event_signer("李四", "respondent").signing_cert
    assert pki.certificate_kind(event) == "event" and "pseudonym" not in event.subject.native
    assert pki.certificate_kind(pki.root_certificate()) == ""
    with pytest.raises(ValueError):
        pki.issue_signer_certificate(public_key_info(key), full_name="x", role="claimant", kind="seal")


def test_revocation_pointers_follow_the_base_url(settings):
    settings.PKI_BASE_URL = "https://pki.example.org"
    cert = pki.event_signer("张三", "claimant").signing_cert
    assert certs.crl_url(cert) == "https://pki.example.org/pki/crl/issuing.crl"
    access = {
        a["access_method"].native: a["access_location"].native
        for a in cert.authority_information_access_value
    }
    assert access == {
        "ocsp": "https://pki.example.org/pki/ocsp/",
        "ca_issuers": "https://pki.example.org/pki/issuing.cer",
    }
    assert (
        certs.crl_url(pki.tsa_certificate()) == certs.crl_url(pki.seal_certificate()) == certs.crl_url(cert)
    )


def test_the_issuing_signer_signs_raw_data_for_crls_and_ocsp():
    import asyncio

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    signature = asyncio.run(pki.issuing_signer().async_sign_raw(b"tbsCertList", "sha256"))
    public = x509.load_der_x509_certificate(pki.issuing_certificate().dump()).public_key()
    public.verify(signature, b"tbsCertList", ec.ECDSA(hashes.SHA256()))


def _seal_in_child(folder, queue):
    from django.conf import settings

    settings.PKI_DIR = folder
    pki._cache.clear()
    cert = pki.seal_certificate(SimpleNamespace(pk=990001, name="并发人民调解委员会"))
    queue.put(certs.serial_hex(cert))


def test_two_processes_make_one_seal_key_for_a_new_committee(tmp_path, settings):
    settings.PKI_DIR = tmp_path / "race"
    pki.chain()  # the hierarchy first; the children are forked with an open session
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_seal_in_child, args=(settings.PKI_DIR, queue)) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    serials = {queue.get(timeout=5), queue.get(timeout=5)}
    assert len(serials) == 1
    ids = {k["id"] for k in hsm.keys() if k["label"] == "tiaojie-seal-990001"}
    assert len(ids) == 1
    assert (
        certs.serial_hex(pki.seal_certificate(SimpleNamespace(pk=990001, name="并发人民调解委员会")))
        in serials
    )


def test_a_wrong_pin_refuses_with_503_and_changes_nothing(
    dispute, advance, respondent, api, settings, outbox, snapshot
):
    from mediation.models import SettlementSignature
    from tests.settlement.test_signing_flow import sign

    dispute = advance(dispute, "awaiting_signatures")
    pki.chain()
    before = snapshot(dispute)
    pin, settings.PKCS11_PIN = settings.PKCS11_PIN, "not-the-pin"
    r = sign(api, respondent, dispute, outbox)
    assert r.status_code == 503, r.content
    assert r.json()["code"] == "unavailable"
    assert "PIN" not in r.json()["detail"] and "PKCS" not in r.json()["detail"]
    assert snapshot(dispute) == before
    assert not SettlementSignature.objects.filter(settlement__dispute=dispute).exists()
    assert not settlements.latest(dispute).pdf
    settings.PKCS11_PIN = pin  # the right PIN again: the next signing works
    assert sign(api, respondent, dispute, outbox).status_code == 200


def test_a_missing_module_or_token_is_a_token_error(settings):
    settings.PKCS11_TOKEN = "no-such-token-here"
    settings.PKCS11_MODULE = "/nonexistent/libpkcs11.so"
    with pytest.raises(pki.TokenError) as missing:
        hsm.sign(b"x" * 20, b"data")
    assert "not found" in missing.value.detail
    settings.PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
    settings.PKCS11_TOKEN = "no-such-token"
    settings.PKCS11_SO_PIN = ""  # a token is made only with both PINs configured
    with pytest.raises(pki.TokenError):
        hsm.sign(b"x" * 20, b"data")


def test_verification_still_trusts_documents_signed_under_the_old_file_keys(tmp_path, settings):
    """init_pki deletes the pre-token key files and keeps their root as a trust anchor."""
    from django.core.management import call_command

    from mediation.settlements import pdf

    settings.PKI_DIR = folder = tmp_path / "old"
    old = legacy_pki(folder)
    document = pdf.render_html("<p>旧文件</p>")
    signed = sign_the_old_way(document, old)
    call_command("init_pki", stdout=io.StringIO())
    assert not list(folder.glob("*.key.pem"))
    assert [p.name.startswith("root-") for p in (folder / "legacy").glob("root-*.pem")] == [True]
    result = signing.verify(signed)
    assert [(s["signer"], s["trusted"], s["intact"]) for s in result["signatures"]] == [("张三", True, True)]
    for path in folder.rglob("*"):
        if path.is_file():
            assert no_private_key_in(path.read_bytes()), path


def legacy_pki(folder):
    """The files the pre-token pki.py wrote: root, TSA (RSA) and seal keys beside their certificates."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(mode=0o700)
    now = datetime.now(UTC)

    def issue(cn, key, issuer_cert, issuer_key, ca=False, eku=None):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        builder = (
            x509.CertificateBuilder().subject_name(name)
            .issuer_name(issuer_cert.subject if issuer_cert else name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )  # fmt: skip
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=not ca, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        return builder.sign(issuer_key, hashes.SHA256())

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = issue("Tiaojie Platform Root CA", root_key, None, root_key, ca=True)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = issue(
        "Tiaojie Timestamp Authority", tsa_key, root, root_key, eku=[ExtendedKeyUsageOID.TIME_STAMPING]
    )
    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal = issue("人民调解委员会电子印章", seal_key, root, root_key)
    for name, key, cert in (("root", root_key, root), ("tsa", tsa_key, tsa), ("seal", seal_key, seal)):
        (folder / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )  # fmt: skip
        )
        (folder / f"{name}.cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return SimpleNamespace(root=root, root_key=root_key, tsa=tsa, tsa_key=tsa_key, issue=issue)


def sign_the_old_way(document: bytes, old) -> bytes:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(cert):
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    def pkcs8(key):
        return asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )  # fmt: skip
        )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = old.issue("张三", key, old.root, old.root_key)
    signer = signers.SimpleSigner(
        signing_cert=asn1(cert),
        signing_key=pkcs8(key),
        cert_registry=SimpleCertificateStore.from_certs([asn1(old.root)]),
    )
    stamper = timestamps.DummyTimeStamper(
        tsa_cert=asn1(old.tsa), tsa_key=pkcs8(old.tsa_key), certs_to_embed=[asn1(old.root)]
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(document), strict=False),
        # As signed before PAdES B-LT (no validation data): the old root is not the current one.
        signers.PdfSignatureMetadata(
            field_name="Old1",
            name="张三",
            reason="old",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        ),  # fmt: skip
        signer=signer,
        timestamper=stamper,
        new_field_spec=signing.field_spec("Old1"),
    )
    return out.getvalue()


def test_a_signers_certificate_carries_the_masked_id_number_only(dispute, advance, respondent):
    from pyhanko.pdf_utils.reader import PdfFileReader

    respondent.id_number = "11010519491231002X"
    respondent.save()
    dispute = advance(dispute, "settled")
    with settlements.latest(dispute).pdf.open("rb") as f:
        content = f.read()
    subjects = {s.signer_cert.subject.native["common_name"]: s.signer_cert.subject.native
                for s in PdfFileReader(io.BytesIO(content)).embedded_signatures}  # fmt: skip
    assert subjects["李四"]["pseudonym"] == "110***********002X"
    assert "pseudonym" not in subjects["张三"]
    assert b"11010519491231002X" not in content
    row = IssuedCertificate.objects.get(kind="event", user=respondent)
    assert "110***********002X" in row.subject and "11010519491231002X" not in row.subject


def test_a_wrong_pin_refuses_the_judicial_application_signature_too(
    dispute, advance, respondent, api, settings, outbox, tmp_path
):
    from mediation.models import JudicialApplication
    from mediation.settlements import judicial
    from tests.settlement.test_judicial import sign

    settings.MEDIA_ROOT = tmp_path / "media"
    dispute = advance(dispute, "settled")
    judicial.start(dispute, respondent)
    pin, settings.PKCS11_PIN = settings.PKCS11_PIN, "not-the-pin"
    r = sign(api, respondent, dispute, outbox)
    assert (r.status_code, r.json()["code"]) == (503, "unavailable")
    application = JudicialApplication.objects.get(dispute=dispute)
    assert not application.signatures.exists() and not application.pdf
    assert not list((tmp_path / "media").rglob("application*.pdf"))
    settings.PKCS11_PIN = pin
    assert sign(api, respondent, dispute, outbox).status_code == 200
