"""The fixed cast: claimant, respondent, grid_worker, mediator, handlers, outsider."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes import services
from disputes.models import Dispute
from tests import factories


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

            claimant = User.objects.get(phone=dispute.claimant_phone, phone_verified=True)
            steps = [("withdraw", claimant, {})]
        for name, user, payload in steps:
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
