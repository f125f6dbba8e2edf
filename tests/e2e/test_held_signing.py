"""Signing a settlement with keys the signers' browsers hold (docs/features/held-keys.md):
both parties and the mediator sign on the dispute page, each browser with its own WebCrypto
key; the platform never holds a signer's private key."""

from __future__ import annotations

import base64
import io
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.apps import apps
from django.conf import settings
from playwright.sync_api import expect

from mediation.models import Settlement
from mediation.settlements import signing

from .conftest import sign_in, sms_code

pytestmark = pytest.mark.e2e

# PKCS#8 "version 0, id-ecPublicKey" and SEC1 "ECPrivateKey version 1, 32-byte key": where a
# private EC key in DER starts. A SubjectPublicKeyInfo has neither.
PRIVATE_DER = (b"\x02\x01\x00\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01", b"\x30\x77\x02\x01\x01\x04\x20")


def holds_private_key(data: bytes) -> bool:
    return b"PRIVATE KEY" in data or any(marker in data for marker in PRIVATE_DER)


def sign_on_the_page(page, user, dispute) -> bytes:
    """Ask for the code, sign with this browser's key; the browser's public key (DER)."""
    page.goto(f"/disputes/{dispute.pk}/")
    with page.expect_navigation():
        page.locator("form[action$='/settlement/sign-code/'] button").click()
    status = page.locator("#signing-status")
    expect(status).to_have_attribute("data-user", str(user.pk))
    public_key = base64.b64decode(page.evaluate("TiaojieSigning.publicKey()"))
    form = page.locator("form[action$='/transitions/sign/']")
    page.locator("details.action:has(form[action$='/transitions/sign/']) summary").click()
    form.locator("input[name=agree]").check()
    form.locator("[name=code]").fill(sms_code(user.phone))
    with page.expect_navigation(url=f"**/disputes/{dispute.pk}/", timeout=60_000):
        form.locator("button[type=submit]").click()
    expect(page.locator(".signature-kind[data-kind='held']")).not_to_have_count(0)
    # The key stays the same on this device: a second export gives the same public key.
    return public_key


def test_two_parties_and_the_mediator_sign_with_keys_their_browsers_hold(
    new_page, dispute, advance, claimant, respondent, mediator
):
    advance(dispute, "awaiting_signatures")
    exported = {}
    for user in (respondent, claimant, mediator):
        page = new_page()
        sign_in(page, user.username)
        exported[user.pk] = sign_on_the_page(page, user, dispute)
        signed = Settlement.objects.get(dispute=dispute).signatures.filter(signer=user).get()
        assert signed.key_kind == "held"
    assert len(set(exported.values())) == 3

    settlement = Settlement.objects.get(dispute=dispute)
    assert [(s.role, s.key_kind) for s in settlement.signatures.all()] == [
        ("respondent", "held"), ("claimant", "held"), ("mediator", "held"), ("committee", "seal"),
    ]  # fmt: skip
    with settlement.pdf.open("rb") as f:
        document = f.read()

    # Each signature's certificate carries exactly the public key its browser exported.
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(document), strict=False).embedded_signatures
    keys = [sig.signer_cert.public_key.dump() for sig in embedded]
    assert keys[:3] == [exported[u.pk] for u in (respondent, claimant, mediator)]
    # Playwright's loop runs in this thread; pyHanko's validation runs its own elsewhere.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(signing.verify, document).result()
    assert result["valid"], result

    # No private key anywhere in the database or the stored files.
    for model in apps.get_models():
        for row in model.objects.all().values_list():
            for value in row:
                if isinstance(value, memoryview | bytes):
                    assert not holds_private_key(bytes(value)), model
                elif isinstance(value, str):
                    assert not holds_private_key(value.encode()), model
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                assert not holds_private_key(f.read()), name


def test_without_javascript_the_form_signs_with_a_key_the_platform_makes(
    new_page, dispute, advance, claimant
):
    advance(dispute, "awaiting_signatures")
    page = new_page(java_script_enabled=False)
    sign_in(page, claimant.username)
    page.goto(f"/disputes/{dispute.pk}/")
    with page.expect_navigation():
        page.locator("form[action$='/settlement/sign-code/'] button").click()
    page.locator("details.action:has(form[action$='/transitions/sign/']) summary").click()
    form = page.locator("form[action$='/transitions/sign/']")
    form.locator("input[name=agree]").check()
    form.locator("[name=code]").fill(sms_code(claimant.phone))
    with page.expect_navigation(url=f"**/disputes/{dispute.pk}/", timeout=60_000):
        form.locator("button[type=submit]").click()
    expect(page.locator(".signature-kind[data-kind='event']")).to_have_count(1)
    assert Settlement.objects.get(dispute=dispute).signatures.get().key_kind == "event"
