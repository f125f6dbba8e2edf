"""The fixed cast: claimant, respondent, grid_worker, mediator, handlers, outsider."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.crypto import blind_index
from disputes import services
from disputes.models import Dispute
from tests import factories


@pytest.fixture(scope="session")
def _pki_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="session", autouse=True)
def trust_services(_pki_dir, tmp_path_factory):
    """The trust services (TSA, CRL, OCSP) as their own process for the whole run, on the suite's
    PKI; every signature fetches its timestamp and revocation data from it. Its URLs are in the
    environment too, for the stack's processes (tests/stack_harness.py)."""
    from django.conf import settings
    from django.test import override_settings

    from tests.trust_process import TrustProcess

    # Whichever process needs a certificate first makes it, under pki's file lock.
    process = TrustProcess(
        _pki_dir, Path(settings.TRUST_PUBLISH_DIR), tmp_path_factory.mktemp("trust") / "trust.log"
    ).start()
    names = {
        "TIAOJIE_PKI_DIR": str(_pki_dir),
        "TIAOJIE_TRUST_PUBLISH_DIR": str(settings.TRUST_PUBLISH_DIR),
        "TIAOJIE_PKI_BASE_URL": process.base_url,
        "TIAOJIE_TSA_URL": process.tsa_url,
    }
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(names)
    override = override_settings(TSA_URL=process.tsa_url, PKI_BASE_URL=process.base_url)
    override.enable()
    yield process
    override.disable()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    process.stop()


@pytest.fixture(autouse=True)
def pki_dir(settings, _pki_dir):
    """One platform CA for the whole run, outside var/ (made on first use)."""
    settings.PKI_DIR = _pki_dir
    return _pki_dir


@pytest.fixture
def regions(db):
    return factories.region_tree()


@pytest.fixture
def claimant(db):
    return factories.UserFactory(username="claimant", full_name="张三")


@pytest.fixture
def respondent(db):
    return factories.UserFactory(username="respondent", full_name="李四")


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider", full_name="王五")


@pytest.fixture
def grid_worker(regions):
    return factories.staff("grid_worker", regions["grid1"], username="grid_worker", full_name="赵网格")


@pytest.fixture
def other_grid_worker(regions):
    return factories.staff("grid_worker", regions["grid3"], username="other_grid_worker")


@pytest.fixture
def mediator(regions):
    return factories.staff("mediator", regions["community1"], username="mediator", full_name="钱调解")


@pytest.fixture
def other_mediator(regions):
    return factories.staff("mediator", regions["community1"], username="other_mediator", full_name="孙调解")


@pytest.fixture
def street_handler(regions):
    return factories.staff("case_handler", regions["street1"], username="street_handler", full_name="周街道")


@pytest.fixture
def district_handler(regions):
    return factories.staff("case_handler", regions["district"], username="district_handler", full_name="吴区")


@pytest.fixture
def dispute(regions, claimant, respondent):
    """A freshly filed dispute in grid1, naming `respondent`."""
    return factories.file_dispute(claimant, regions["grid1"], respondent.phone)


@pytest.fixture
def advance(grid_worker, respondent, mediator, street_handler):
    """Drive a dispute through real transitions to the requested state."""
    paths = {
        "filed": [],
        "rejected": [("reject", grid_worker, {"reason": "不属于受理范围"})],
        "awaiting_response": [("accept", grid_worker, {})],
        "awaiting_mediator": [("accept", grid_worker, {}), ("respondent_accept", respondent, {})],
        "mediator_assigned": [
            ("accept", grid_worker, {}), ("respondent_accept", respondent, {}),
            ("assign_mediator", grid_worker, {"mediator": mediator.pk}),
        ],
        "in_mediation": [
            ("accept", grid_worker, {}), ("respondent_accept", respondent, {}),
            ("assign_mediator", grid_worker, {"mediator": mediator.pk}), ("mediator_accept", mediator, {}),
        ],
        "awaiting_signatures": [
            ("accept", grid_worker, {}), ("respondent_accept", respondent, {}),
            ("assign_mediator", grid_worker, {"mediator": mediator.pk}), ("mediator_accept", mediator, {}),
            ("propose_settlement", mediator, factories.SETTLEMENT),
        ],
        "settled": [
            ("accept", grid_worker, {}), ("respondent_accept", respondent, {}),
            ("assign_mediator", grid_worker, {"mediator": mediator.pk}), ("mediator_accept", mediator, {}),
            ("propose_settlement", mediator, factories.SETTLEMENT),
            ("sign", "claimant", None), ("sign", respondent, None), ("sign", mediator, None),
        ],
        "escalated": [("escalate", grid_worker, {"reason": "情况紧急"})],
        "case_handling": [("escalate", grid_worker, {"reason": "情况紧急"}), ("take_case", street_handler, {})],
        "closed": [
            ("escalate", grid_worker, {"reason": "情况紧急"}), ("take_case", street_handler, {}),
            ("conclude", street_handler, {"outcome": "dismissed"}),
        ],
        "withdrawn": None,
    }  # fmt: skip

    def go(dispute: Dispute, state: str) -> Dispute:
        steps = paths[state]
        if steps is None:
            from accounts.models import User

            claimant = User.objects.get(phone_index=blind_index(dispute.claimant_phone), phone_verified=True)
            steps = [("withdraw", claimant, {})]
        for name, user, payload in steps:
            if user == "claimant":
                from accounts.models import User

                user = User.objects.get(phone_index=blind_index(dispute.claimant_phone), phone_verified=True)
            if name == "sign":
                payload = {"agree": True, "code": factories.sign_code(user)}
            services.fire(dispute.pk, name, by=user, payload=payload)
        dispute.refresh_from_db()
        assert dispute.state == state
        return dispute

    return go


@pytest.fixture
def api():
    """api(user) → an APIClient signed in with that user's token (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# --- API suite helpers (appended) -------------------------------------------------------------
@pytest.fixture
def outbox(settings, tmp_path):
    """The SMS outbox of this test only: outbox.sms(to) → messages, outbox.code(to) → latest code."""
    import json
    import re

    settings.OUTBOX_DIR = tmp_path / "outbox"

    class Outbox:
        def sms(self, to: str | None = None) -> list[dict]:
            folder = settings.OUTBOX_DIR / "sms"
            files = sorted(folder.glob("*.json")) if folder.exists() else []
            messages = [json.loads(f.read_text(encoding="utf-8")) for f in files]
            return [m for m in messages if to is None or m["to"] == to]

        def code(self, to: str) -> str:
            messages = self.sms(to)
            assert messages, f"no SMS was sent to {to}"
            return re.search(r"\b(\d{6})\b", messages[-1]["body"]).group(1)

    return Outbox()


@pytest.fixture
def snapshot():
    """snapshot(dispute) → everything a refused request must leave untouched: the row, its timeline
    and its evidence."""
    from disputes.models import Dispute, DisputeEvent, Evidence

    def take(dispute: Dispute) -> dict:
        return {
            "row": Dispute.objects.filter(pk=dispute.pk).values().get(),
            "events": list(DisputeEvent.objects.filter(dispute_id=dispute.pk).values_list("pk", flat=True)),
            "evidence": list(Evidence.objects.filter(dispute_id=dispute.pk).values_list("pk", flat=True)),
        }

    return take


@pytest.fixture
def cast(request):
    """cast("grid_worker") → that fixture's user, for parametrised tests naming roles."""
    return request.getfixturevalue


@pytest.fixture
def categories(db):
    """The categories the data migration creates, put back: a transactional test's flush removes them."""
    import importlib

    from disputes.models import Category

    migration = importlib.import_module("disputes.migrations.0002_categories")
    for position, (slug, name, name_en) in enumerate(migration.CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "position": position}
        )
