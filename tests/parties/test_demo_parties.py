"""The demo's dispute with many parties (disputes/parties/demo.py) is there after `seed_demo`,
and its people can act on it as the demo accounts."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute
from disputes.parties.demo import TITLE

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_claimants_against_a_company_with_a_guardian_and_an_agent_to_check(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
        call_command("seed_demo", stdout=StringIO())  # twice: still one such dispute
    dispute = Dispute.objects.get(title=TITLE)
    assert dispute.state == "awaiting_response"
    sides = {side: list(dispute.parties.filter(side=side)) for side in ("claimant", "respondent")}
    assert len(sides["claimant"]) == 3 and len(sides["respondent"]) == 1
    company = sides["respondent"][0]
    assert company.kind == "organisation" and company.uscc == "91330106MA2CFXNM56"
    reps = {rep.kind: rep for party in dispute.parties.all() for rep in party.representatives.all()}
    assert reps["guardian"].status == "approved" and reps["agent"].status == "pending"

    contact = APIClient()
    contact.force_authenticate(User.objects.get(username="resident20"))
    detail = contact.get(f"/api/v1/disputes/{dispute.pk}/").json()
    assert "respondent_accept" in detail["available_transitions"]
    lawyer = APIClient()  # the agent waits for the grid worker's check: sees nothing yet
    lawyer.force_authenticate(User.objects.get(username="resident19"))
    assert lawyer.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    worker = APIClient()
    worker.force_authenticate(User.objects.get(username="grid1"))
    assert worker.post(f"/api/v1/disputes/{dispute.pk}/representatives/{reps['agent'].pk}/check/",
                       {"approve": True}, format="json").status_code == 200  # fmt: skip
    assert lawyer.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 200
