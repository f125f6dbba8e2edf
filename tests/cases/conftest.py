"""Case handling fixtures: an escalated dispute with a joint room, caucus secrets and a
declined settlement, and helpers to read PDFs the way a person would (pdftotext)."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from django.test import Client

from disputes import services
from mediation.chat import store as chat
from mediation.models import Room
from tests import factories

CAUCUS_SECRET = "底线八百元绝密甲"  # said only in private sessions
CAUCUS_SECRET_2 = "另一方私下透露乙"
JOINT_LINES = ["双方同意先查看漏水现场", "楼上住户承认卫生间防水层老化", "维修费用分歧较大无法调和"]


def say(room: Room, user, body: str) -> None:
    chat.post_message(room.pk, user, body, str(uuid.uuid4()), broadcast=False)


@pytest.fixture
def escalated(dispute, advance, claimant, respondent, mediator):
    """Mediated, a settlement declined, talks in every room, then mediation failed (escalated)."""
    advance(dispute, "in_mediation")
    rooms = {room.party or "joint": room for room in Room.objects.filter(dispute=dispute)}
    say(rooms["joint"], mediator, JOINT_LINES[0])
    say(rooms["joint"], respondent, JOINT_LINES[1])
    say(rooms["claimant"], claimant, CAUCUS_SECRET)
    say(rooms["respondent"], respondent, CAUCUS_SECRET_2)
    say(rooms["claimant"], mediator, "私下沟通：" + CAUCUS_SECRET)
    services.fire(dispute.pk, "propose_settlement", by=mediator, payload=factories.SETTLEMENT)
    services.fire(dispute.pk, "decline_settlement", by=respondent, payload={"reason": "赔偿金额过高不能接受"})
    say(rooms["joint"], claimant, JOINT_LINES[2])
    services.fire(dispute.pk, "fail_mediation", by=mediator, payload={"reason": "双方对赔偿金额分歧过大"})
    dispute.refresh_from_db()
    assert dispute.state == "escalated"
    return dispute


@pytest.fixture
def handled(escalated, street_handler):
    services.fire(escalated.pk, "take_case", by=street_handler, payload={})
    escalated.refresh_from_db()
    return escalated


@pytest.fixture
def asked(handled, street_handler, api):
    """The handler asked the respondent a question, due in three days."""
    from datetime import timedelta

    from django.utils import timezone

    from disputes.models import InfoRequest

    due_at = (timezone.now() + timedelta(days=3)).isoformat()
    response = api(street_handler).post(
        f"/api/v1/disputes/{handled.pk}/info-requests/",
        {"party": "respondent", "question": "请提供维修报价单", "due_at": due_at},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return InfoRequest.objects.get(pk=response.json()["id"])


@pytest.fixture
def page_as():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def pdf_pages(content: bytes, tmp_path) -> list[str]:
    """The text of each page, as pdftotext extracts it."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def flat(text: str) -> str:
    """Without whitespace: pdftotext breaks long Chinese lines anywhere."""
    return "".join(text.split())
