"""Voice notes in the browser, recorded with Chromium's fake microphone (conftest CHROMIUM_ARGS):
sent in the joint room, heard by the other party, kept through a lost connection, listed in
the case file (docs/chat-protocol.md, "Voice notes")."""

# ruff: noqa: F811 - the imported fixtures are parameters of the tests
from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from disputes import services
from mediation.models import Attachment, Message, Room

from .axe import assert_accessible
from .conftest import PHONE, fits_width

# The daphne server and page fixtures of the chat's browser tests, used as parameters here.
from .test_chat import daphne_server, open_page, sign_in  # noqa: F401

pytestmark = pytest.mark.e2e

PLAYABLE = """async (audio) => {
  const response = await fetch(audio.src, {credentials: "same-origin"});
  const bytes = (await response.arrayBuffer()).byteLength;
  return {status: response.status, type: response.headers.get("content-type"), bytes: bytes,
          ready: audio.readyState, error: audio.error && audio.error.code};
}"""


def record(page, seconds: float = 1.5) -> None:
    button = page.get_by_role("button", name="录制语音留言")
    expect(button).to_be_enabled()
    button.click()
    expect(page.locator("[data-rec-toggle]")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(int(seconds * 1000))
    page.locator("[data-rec-toggle]").click()
    expect(page.locator("[data-rec-done]")).to_be_visible()


def test_a_voice_note_reaches_the_other_party_and_the_case_file(
    open_page,
    daphne_server,
    dispute,
    advance,
    claimant,
    respondent,
    mediator,
    street_handler,
    tmp_path,
):
    advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, kind="joint")
    party = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(party, "claimant")
    party.goto(f"/mediation/rooms/{joint.pk}/")
    expect(party.locator("#chat-status")).to_have_text("已连接")
    other = open_page()
    sign_in(other, "respondent")
    other.goto(f"/mediation/rooms/{joint.pk}/")
    expect(other.locator("#chat-status")).to_have_text("已连接")

    # A text message first, then the voice note: seq order on both pages.
    party.fill("#chat-input", "我先录一段语音说明情况")
    party.press("#chat-input", "Enter")
    record(party)
    assert party.locator("[data-rec-preview]").evaluate("a => a.src.startsWith('blob:')")  # the preview
    party.get_by_role("button", name="发送语音留言").click()
    expect(party.locator("#voice-status")).to_have_text("语音留言已发送。")

    for page in (other, party):
        voice = page.locator("#chat-log li.chat-msg audio.chat-voice")
        expect(voice).to_have_count(1)
        expect(page.locator("#chat-log li.chat-msg")).to_have_count(2)
        assert page.locator("#chat-log li.chat-msg").nth(1).locator("audio").count() == 1
        expect(voice).to_have_attribute("aria-label", re.compile(r"^张三 的语音留言，\d+ 秒$"))
        heard = voice.evaluate(PLAYABLE)
        assert heard["status"] == 200 and heard["type"] == "audio/webm" and heard["bytes"] > 1000, heard
        # The element itself loads it: metadata read, no media error.
        page.wait_for_function("document.querySelector('#chat-log audio.chat-voice').readyState >= 1")
        assert voice.evaluate("a => a.error") is None

    # Stored once, as the room's second message, with the recording's facts.
    message = Message.objects.get(room=joint, seq=2)
    attachment = Attachment.objects.get(message=message)
    assert attachment.content_type == "audio/webm" and attachment.size > 1000
    assert 1000 <= attachment.duration_ms <= 10_000

    # After a reload the history brings it back in order.
    other.reload()
    expect(other.locator("#chat-log li.chat-msg")).to_have_count(2)
    expect(other.locator("#chat-log li.chat-msg").nth(1).locator("audio")).to_have_count(1)

    # The chat page with its recorder on a phone: accessible, nothing sticks out.
    assert fits_width(party)
    assert_accessible(party)
    assert_accessible(other)

    # The case file lists it as an attachment, with its hash.
    services.fire(dispute.pk, "fail_mediation", by=mediator, payload={"reason": "分歧过大"})
    client = APIClient()
    client.force_authenticate(street_handler)
    response = client.get(f"/api/v1/disputes/{dispute.pk}/dossier/")
    assert response.status_code == 200
    path = tmp_path / "dossier.pdf"
    path.write_bytes(response.content)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "音频附件" in text and "语音留言#2" in text and attachment.sha256 in text


def test_a_voice_note_recorded_offline_is_sent_once_the_server_is_back(
    open_page,
    daphne_server,
    dispute,
    advance,
    claimant,
):
    advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, kind="joint")
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "claimant")
    page.goto(f"/mediation/rooms/{joint.pk}/")
    expect(page.locator("#chat-status")).to_have_text("已连接")
    daphne_server.stop()
    expect(page.locator("#chat-status")).to_have_text("连接中断，正在重新连接…")
    record(page)  # the connection is down: recording and sending still work, the note waits
    page.get_by_role("button", name="发送语音留言").click()
    expect(page.locator("#voice-status")).to_contain_text("网络未连接")
    daphne_server.restart()
    expect(page.locator("#voice-status")).to_have_text("语音留言已发送。", timeout=45_000)
    expect(page.locator("#chat-log audio.chat-voice")).to_have_count(1)
    assert Attachment.objects.filter(message__room=joint).count() == 1


def test_a_voice_note_recorded_when_filing_joins_the_evidence_files(
    open_page,
    daphne_server,
    claimant,
):
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "claimant")
    page.goto("/disputes/new/")
    record(page)
    files = "() => Array.from(document.getElementById('id_evidence').files, f => [f.name, f.type, f.size])"
    ((name, kind, size),) = page.evaluate(files)
    assert name == "voice-note.webm" and kind == "audio/webm" and size > 1000
    expect(page.locator("#filing-voice-status")).to_have_text(
        "已录好：语音留言已加入证据，将随纠纷一并提交。"
    )
    # Kept in the browser until filed: a reload (the form lost) attaches it again.
    page.reload()
    expect(page.locator("#filing-voice-status")).to_have_text("您之前录制的语音留言已重新加入证据。")
    assert [f[0] for f in page.evaluate(files)] == ["voice-note.webm"]
    # Discarding removes it from the evidence.
    page.get_by_role("button", name="删除").click()
    assert page.evaluate(files) == []
    assert fits_width(page)
    assert_accessible(page)


def test_without_media_recorder_the_record_button_is_hidden(
    open_page, daphne_server, dispute, advance, claimant
):
    advance(dispute, "in_mediation")
    page = open_page()
    page.add_init_script("delete window.MediaRecorder")
    sign_in(page, "claimant")
    page.goto(f"/mediation/disputes/{dispute.pk}/chat/")
    expect(page.locator("#chat-status")).to_have_text("已连接")
    expect(page.locator("#voice")).to_be_hidden()
    page.goto("/disputes/new/")
    expect(page.locator("#filing-voice")).to_be_hidden()
