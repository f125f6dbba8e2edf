"""Signatures by keys the signers hold (docs/features/held-keys.md): prepare with the SMS code
and a public key, sign the returned bytes on the device, complete through the sign transition.
Python keys stand in for the browsers' WebCrypto keys."""

import base64
import io
from datetime import timedelta

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.utils import timezone

from accounts.models import PhoneCode
from core.crypto import blind_index
from mediation.models import PendingSignature, Settlement, SettlementSignature
from mediation.settlements import signing
from tests import factories

pytestmark = pytest.mark.django_db


def url(dispute, tail: str) -> str:
    return f"/api/v1/disputes/{dispute.pk}/{tail}"


def spki(key) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def raw_signature(key, message: bytes) -> str:
    """As WebCrypto returns it: r||s, 32 bytes each."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


def answer(key, data: dict) -> str:
    """What the browser sends back for a prepare answer: its signature of `to_be_signed`."""
    return raw_signature(key, base64.b64decode(data["to_be_signed"]))


def prepare(api, user, dispute, key, code="246810", **extra):
    factories.sign_code(user)
    body = {"agree": True, "code": code, "public_key": spki(key), **extra}
    return api(user).post(url(dispute, "settlement/sign/prepare/"), body, format="json")


def complete(api, user, dispute, signing_id, signature):
    body = {"agree": True, "signing_id": signing_id, "signature": signature}
    return api(user).post(url(dispute, "transitions/sign/"), body, format="json")


def sign_held(api, user, dispute, key):
    r = prepare(api, user, dispute, key)
    assert r.status_code == 200, r.json()
    data = r.json()
    return complete(api, user, dispute, data["signing_id"], answer(key, data))


def signer_keys(pdf: bytes) -> list[bytes]:
    """The public key (DER SubjectPublicKeyInfo) of each signature's signing certificate."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [sig.signer_cert.public_key.dump() for sig in reader.embedded_signatures]


def pdf_of(dispute) -> bytes:
    settlement = Settlement.objects.get(dispute=dispute)
    with settlement.pdf.open("rb") as f:
        return f.read()


@pytest.fixture
def proposed(dispute, advance):
    return advance(dispute, "awaiting_signatures")


@pytest.fixture
def keys():
    return {}


def key_for(keys, user):
    return keys.setdefault(user.pk, ec.generate_private_key(ec.SECP256R1()))


def test_three_held_keys_sign_then_the_seal_and_each_cms_carries_its_key(
    proposed, claimant, respondent, mediator, api, keys
):
    for user in (claimant, respondent, mediator):
        r = sign_held(api, user, proposed, key_for(keys, user))
        assert r.status_code == 200, r.json()
    assert r.json()["state"] == "settled"
    signatures = list(Settlement.objects.get(dispute=proposed).signatures.all())
    assert [(s.role, s.key_kind) for s in signatures] == [
        ("claimant", "held"), ("respondent", "held"), ("mediator", "held"), ("committee", "seal"),
    ]  # fmt: skip
    document = pdf_of(proposed)
    expected = [base64.b64decode(spki(key_for(keys, u))) for u in (claimant, respondent, mediator)]
    assert signer_keys(document)[:3] == expected
    from pyhanko.pdf_utils.reader import PdfFileReader

    from mediation.settlements import pki

    embedded = PdfFileReader(io.BytesIO(document), strict=False).embedded_signatures
    kinds = [
        (sig.field_name == signing.DOC_TIMESTAMP_FIELD, pki.certificate_kind(sig.signer_cert))
        for sig in embedded
    ]
    # Three signer-held keys, the seal, then the document timestamp (B-LTA: the TSA, no kind).
    assert kinds == [(False, "held"), (False, "held"), (False, "held"), (False, "seal"), (True, "")]
    result = signing.verify(document)
    assert result["valid"], result
    assert [s["signer"] for s in result["signatures"]][:3] == ["张三", "李四", "钱调解"]
    assert not PendingSignature.objects.filter(used_at=None).exists()


def test_held_and_event_signatures_mix_and_the_page_says_which(
    proposed, claimant, respondent, mediator, api, keys, client
):
    assert sign_held(api, claimant, proposed, key_for(keys, claimant)).status_code == 200
    factories.sign_code(respondent)
    r = api(respondent).post(
        url(proposed, "transitions/sign/"), {"agree": True, "code": "246810"}, format="json"
    )
    assert r.status_code == 200, r.json()
    kinds = dict(SettlementSignature.objects.values_list("role", "key_kind"))
    assert kinds == {"claimant": "held", "respondent": "event"}
    client.force_login(claimant)
    page = client.get(f"/disputes/{proposed.pk}/").content.decode()
    assert "Key held on the signer" in page or "签署人设备" in page


def test_the_prepared_bytes_are_the_cms_signed_attributes_with_the_document_digest(
    proposed, claimant, api, keys
):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    assert data["algorithm"] == "ECDSA-P256-SHA256"
    attrs = cms.CMSAttributes.load(base64.b64decode(data["to_be_signed"]))
    types = {a["type"].native for a in attrs}
    assert {"content_type", "message_digest"} <= types
    from asn1crypto import x509

    cert = x509.Certificate.load(base64.b64decode(data["certificate"]))
    assert cert.public_key.dump() == base64.b64decode(spki(key))
    assert cert.subject.native["common_name"] == "张三"


def test_a_tampered_signature_is_refused_and_nothing_changes(proposed, claimant, api, keys):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    tbs = bytearray(base64.b64decode(data["to_be_signed"]))
    tbs[-1] ^= 1
    r = complete(api, claimant, proposed, data["signing_id"], raw_signature(key, bytes(tbs)))
    assert r.status_code == 400
    assert "signature" in r.json()["errors"]
    raw = bytearray(base64.b64decode(answer(key, data)))
    raw[5] ^= 0xFF
    r = complete(api, claimant, proposed, data["signing_id"], base64.b64encode(bytes(raw)).decode())
    assert r.status_code == 400
    # Another key's signature over the right bytes.
    other = ec.generate_private_key(ec.SECP256R1())
    r = complete(
        api,
        claimant,
        proposed,
        data["signing_id"],
        raw_signature(other, base64.b64decode(data["to_be_signed"])),
    )
    assert r.status_code == 400
    settlement = Settlement.objects.get(dispute=proposed)
    assert not settlement.signatures.exists()
    assert not settlement.pdf
    proposed.refresh_from_db()
    assert proposed.state == "awaiting_signatures"
    assert not proposed.events.filter(transition="sign").exists()
    # The pending signing is still usable with the right signature.
    r = complete(
        api,
        claimant,
        proposed,
        data["signing_id"],
        answer(key, data),
    )
    assert r.status_code == 200, r.json()


def test_a_der_signature_is_accepted(proposed, claimant, api, keys):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    der = key.sign(base64.b64decode(data["to_be_signed"]), ec.ECDSA(hashes.SHA256()))
    r = complete(api, claimant, proposed, data["signing_id"], base64.b64encode(der).decode())
    assert r.status_code == 200, r.json()


def test_a_pending_signing_works_once(proposed, claimant, api, keys):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    signature = answer(key, data)
    assert complete(api, claimant, proposed, data["signing_id"], signature).status_code == 200
    r = complete(api, claimant, proposed, data["signing_id"], signature)
    assert r.status_code == 409
    assert Settlement.objects.get(dispute=proposed).signatures.count() == 1


def test_an_expired_pending_signing_is_refused(proposed, claimant, api, keys):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    PendingSignature.objects.filter(pk=data["signing_id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    r = complete(
        api,
        claimant,
        proposed,
        data["signing_id"],
        answer(key, data),
    )
    assert r.status_code == 409
    assert not Settlement.objects.get(dispute=proposed).signatures.exists()


def test_a_signature_made_meanwhile_makes_the_pending_one_stale(proposed, claimant, respondent, api, keys):
    """Prepared on the bare agreement, completed after someone else signed: 409."""
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    assert sign_held(api, respondent, proposed, key_for(keys, respondent)).status_code == 200
    r = complete(
        api,
        claimant,
        proposed,
        data["signing_id"],
        answer(key, data),
    )
    assert r.status_code == 409
    assert list(Settlement.objects.get(dispute=proposed).signatures.values_list("role", flat=True)) == [
        "respondent"
    ]


def test_a_settlement_changed_meanwhile_is_a_conflict(proposed, claimant, mediator, api, keys):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    r = api(mediator).post(
        url(proposed, "transitions/propose_settlement/"),
        {**factories.SETTLEMENT, "terms": ["改过的条款"]},
        format="json",
    )
    if r.status_code != 200:  # a new version goes through a decline first
        r = api(claimant).post(
            url(proposed, "transitions/decline_settlement/"), {"reason": "改"}, format="json"
        )
        assert r.status_code == 200, r.json()
        r = api(mediator).post(
            url(proposed, "transitions/propose_settlement/"), {**factories.SETTLEMENT, "terms": ["改过的条款"]},
            format="json",
        )  # fmt: skip
    assert r.status_code == 200, r.json()
    r = complete(
        api,
        claimant,
        proposed,
        data["signing_id"],
        answer(key, data),
    )
    assert r.status_code == 409
    assert not SettlementSignature.objects.exists()


def test_a_wrong_code_is_refused_and_counts_as_an_attempt(proposed, claimant, api, keys):
    r = prepare(api, claimant, proposed, key_for(keys, claimant), code="000000")
    assert r.status_code == 400
    assert "code" in r.json()["errors"]
    code = PhoneCode.objects.get(phone_index=blind_index(claimant.phone), purpose="sign", used_at=None)
    assert code.attempts == 1
    assert not PendingSignature.objects.exists()


def test_the_mediator_cannot_prepare_before_the_parties(proposed, mediator, api, keys):
    assert prepare(api, mediator, proposed, key_for(keys, mediator)).status_code == 409
    assert not PendingSignature.objects.exists()


@pytest.mark.parametrize("who", ["grid_worker", "street_handler"])
def test_someone_who_is_not_a_signer_cannot_prepare(who, proposed, api, cast, keys):
    user = cast(who)
    assert prepare(api, user, proposed, key_for(keys, user)).status_code == 403


def test_other_peoples_disputes_are_not_found(proposed, outsider, other_grid_worker, api, keys):
    for user in (outsider, other_grid_worker):
        assert prepare(api, user, proposed, key_for(keys, user)).status_code == 404


def test_another_signer_cannot_complete_my_pending_signing(proposed, claimant, respondent, api, keys):
    key = key_for(keys, claimant)
    data = prepare(api, claimant, proposed, key).json()
    r = complete(
        api,
        respondent,
        proposed,
        data["signing_id"],
        answer(key, data),
    )
    assert r.status_code == 400
    assert not SettlementSignature.objects.exists()


def test_a_wrong_state_is_a_conflict(dispute, claimant, api, keys):
    assert prepare(api, claimant, dispute, key_for(keys, claimant)).status_code == 409


def _rsa_spki() -> str:
    der = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def _p384_spki() -> str:
    der = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


@pytest.mark.parametrize(
    "public_key",
    ["not base64!", "", "QUJD", "A" * 100_000, "rsa", "p384", "private"],
)
def test_a_malformed_public_key_is_refused_and_spends_no_code(public_key, proposed, claimant, api):
    if public_key == "rsa":
        public_key = _rsa_spki()
    elif public_key == "p384":
        public_key = _p384_spki()
    elif public_key == "private":  # a private key is not a public key
        der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public_key = base64.b64encode(der).decode()
    factories.sign_code(claimant)
    r = api(claimant).post(
        url(proposed, "settlement/sign/prepare/"),
        {"agree": True, "code": "246810", "public_key": public_key},
        format="json",
    )
    assert r.status_code == 400
    assert "public_key" in r.json()["errors"]
    assert not PendingSignature.objects.exists()
    assert (
        PhoneCode.objects.get(phone_index=blind_index(claimant.phone), purpose="sign", used_at=None).attempts
        == 0
    )


@pytest.mark.parametrize(
    "signature", ["", "x" * 5000, "not base64!", base64.b64encode(b"\x01" * 10).decode()]
)
def test_a_malformed_signature_is_refused(signature, proposed, claimant, api, keys):
    data = prepare(api, claimant, proposed, key_for(keys, claimant)).json()
    r = complete(api, claimant, proposed, data["signing_id"], signature)
    assert r.status_code == 400
    assert not SettlementSignature.objects.exists()


def test_the_sms_path_still_needs_its_code(proposed, claimant, api):
    r = api(claimant).post(url(proposed, "transitions/sign/"), {"agree": True}, format="json")
    assert r.status_code == 400
    assert "code" in r.json()["errors"]


def test_expired_pending_signings_are_swept(proposed, claimant, api, keys):
    from mediation.settlements import held

    data = prepare(api, claimant, proposed, key_for(keys, claimant)).json()
    assert held.remove_expired() == 0
    PendingSignature.objects.filter(pk=data["signing_id"]).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    assert held.remove_expired() == 1
    assert not PendingSignature.objects.exists()


def test_the_certificate_names_the_signer_with_the_masked_id_number(proposed, claimant, api, keys):
    from asn1crypto import x509

    from accounts.phones import mask_id_number

    body = "11010519491231002"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    id_number = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    claimant.id_number = id_number
    claimant.save(update_fields=["id_number"])
    data = prepare(api, claimant, proposed, key_for(keys, claimant)).json()
    subject = x509.Certificate.load(base64.b64decode(data["certificate"])).subject.native
    assert subject["common_name"] == "张三"
    assert mask_id_number(id_number) in str(subject)
    assert id_number not in str(subject)
