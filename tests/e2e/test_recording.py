"""Call recordings in the browser (docs/features/calls.md): the calls module's
`tiaojie:call` event (dispatched here by hand, with a canvas and Chromium's fake microphone),
every member's consent, the mediator's recording uploaded in chunks through a dropped request,
completed with the browser's SHA-256, which the server's equals."""

# ruff: noqa: F811 - the imported fixtures are parameters of the tests
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from mediation.models import Attachment, Call, Recording, Room

from . import test_chat
from .axe import assert_accessible

# The daphne server and page fixtures of the chat's browser tests, used as parameters here.
from .test_chat import daphne_server, open_page, sign_in  # noqa: F401

pytestmark = pytest.mark.e2e

CALL = """async ({call, room, mediator}) => {
  const canvas = document.createElement("canvas");
  canvas.width = 160; canvas.height = 120;
  const ctx = canvas.getContext("2d");
  let n = 0;
  setInterval(() => { ctx.fillStyle = `hsl(${(n += 7) % 360}, 80%, 50%)`; ctx.fillRect(0, 0, 160, 120); }, 50);
  const mic = await navigator.mediaDevices.getUserMedia({audio: true});
  const local = new MediaStream([...mic.getAudioTracks(), ...canvas.captureStream(15).getVideoTracks()]);
  document.addEventListener("tiaojie:recording", (e) => { window.__recorded = e.detail; });
  document.dispatchEvent(new CustomEvent("tiaojie:call", {detail: {
    call: call, room: room, state: "live", localStream: local, remoteStreams: () => [], isMediator: mediator,
  }}));
}"""


@pytest.fixture(autouse=True)
def own_port(monkeypatch):
    """The daphne of this test listens in this branch's port range."""
    monkeypatch.setattr(test_chat, "free_port", lambda: 8420)


def test_a_consented_recording_survives_a_dropped_chunk_and_matches_its_sha256(
    open_page, daphne_server, dispute, advance, claimant, respondent, mediator
):
    advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, kind="joint")
    call = Call.objects.create(room=joint, started_by=mediator)
    pages = {}
    for name in ("mediator", "claimant"):
        page = open_page()
        sign_in(page, name)
        page.goto(f"/mediation/rooms/{joint.pk}/")
        expect(page.locator("#chat-status")).to_have_text("已连接")
        page.evaluate(CALL, {"call": str(call.pk), "room": joint.pk, "mediator": name == "mediator"})
        expect(page.locator("#call-recording")).to_be_visible()
        pages[name] = page
    host, party = pages["mediator"], pages["claimant"]
    record = host.get_by_role("button", name="录制", exact=True)
    expect(record).to_be_hidden()  # nobody has agreed yet
    party.get_by_label("我同意录制本次通话").check()
    host.get_by_label("我同意录制本次通话").check()
    expect(host.locator("[data-rec-status]")).to_contain_text("2 / 3")
    client = APIClient()
    client.force_authenticate(respondent)  # the third member, without a page
    assert (
        client.post(f"/api/v1/calls/{call.pk}/consent/", {"consent": True}, format="json").status_code == 200
    )
    expect(record).to_be_visible(timeout=10_000)
    expect(party.locator("[data-rec-status]")).to_have_text(
        "所有人均已同意：调解员可以录制本次通话。", timeout=10_000
    )
    assert party.get_by_role("button", name="录制", exact=True).is_hidden()  # parties never record
    assert_accessible(host)

    dropped = []

    def drop_once(route):
        if not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    host.route(re.compile(r"/chunks/\?offset=\d+$"), drop_once)
    record.click()
    expect(host.locator("[data-rec-status]")).to_contain_text("正在录制")
    host.wait_for_timeout(3000)
    host.get_by_role("button", name="停止录制").click()
    host.wait_for_function("() => window.__recorded !== undefined", timeout=60_000)
    done = host.evaluate("() => window.__recorded")
    assert dropped, "no chunk request was dropped"
    assert done["complete"] and done["sha256"] == done["localSha256"]
    stored = Recording.objects.get(call=call)
    assert stored.sha256 == done["sha256"] and stored.size > 1000
    attachment = Attachment.objects.get(message__room=joint, kind="recording")
    assert attachment.sha256 == done["sha256"] and attachment.content_type == "video/webm"
    expect(host.locator("[data-rec-status]")).to_have_text(f"录制已保存。SHA-256：{done['sha256']}")
