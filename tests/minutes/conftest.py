"""Minutes fixtures: a dispute in mediation with a joint and a caucus session (rows made
directly: scheduling is another feature), helpers to record and read PDFs."""

from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from mediation.models import Room, Session

JOINT_SAID = "楼上住户同意下周请人检修防水层"
JOINT_AGREED = "双方同意七日内共同查看现场"
CAUCUS_SAID = "申请人私下表示底线为八百元XQ9"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mediating(dispute, advance):
    return advance(dispute, "in_mediation")


def make_session(dispute, room_kind: str, attendees, *, party: str = "", mode: str = "in_person", ago=1):
    room = Room.objects.get(dispute=dispute, kind=room_kind, party=party)
    session = Session.objects.create(
        dispute=dispute, room=room, mode=mode, starts_at=timezone.now() - timedelta(hours=ago),
        place="社区调解室" if mode == "in_person" else "", created_by=dispute.mediator,
    )  # fmt: skip
    session.attendees.set(attendees)
    return session


@pytest.fixture
def joint(mediating, claimant, respondent, mediator):
    return make_session(mediating, "joint", [claimant, respondent, mediator])


@pytest.fixture
def caucus(mediating, claimant, mediator):
    return make_session(mediating, "caucus", [claimant, mediator], party="claimant", mode="phone")


def url(session, tail: str = "") -> str:
    return f"/api/v1/sessions/{session.pk}/minutes/{tail}"


def joint_payload(claimant, respondent, mediator) -> dict:
    return {
        "present": [claimant.pk, respondent.pk, mediator.pk],
        "others": [{"name": "赵翻译", "capacity": "翻译"}],
        "statements": [
            {"speaker_id": claimant.pk, "text": "天花板漏水已三个月"},
            {"speaker_id": respondent.pk, "text": JOINT_SAID},
            {"speaker": "赵翻译", "side": "other", "text": "已如实翻译"},
        ],
        "agreed": JOINT_AGREED,
    }


def caucus_payload(claimant, mediator) -> dict:
    return {
        "present": [claimant.pk, mediator.pk],
        "statements": [{"speaker_id": claimant.pk, "text": CAUCUS_SAID}],
        "agreed": "",
    }


@pytest.fixture
def recorded(joint, api, claimant, respondent, mediator):
    """The joint session's minutes, recorded and finalised by the mediator."""
    assert (
        api(mediator)
        .put(url(joint), joint_payload(claimant, respondent, mediator), format="json")
        .status_code
        == 200
    )
    assert api(mediator).post(url(joint, "finalise/")).status_code == 200
    return joint


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(text.split())


def pdf_fonts(content: bytes, tmp_path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout


@pytest.fixture
def code_for(api, outbox, django_capture_on_commit_callbacks):
    """code_for(user, session) → asks confirm-code/ as `user` (SMS sent on commit), the code read."""

    def ask(user, session) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = api(user).post(url(session, "confirm-code/"))
        assert response.status_code == 200, response.content
        return outbox.code(user.phone)

    return ask
