"""The chat in the browser: a party and the mediator talk live; the caucus stays private.

pytest-django's live_server speaks no websockets, so these tests run daphne as a
subprocess (a fresh process, not a fork: docs/decisions.md) on the file-based SQLite test database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from mediation.chat import store as chat
from mediation.models import Room

from .conftest import PASSWORD, PHONE, page_maker

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daphne(port: int, db_path: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        TIAOJIE_SQLITE_PATH=db_path,
        TIAOJIE_WS_ORIGINS=f"http://127.0.0.1:{port}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
    process = subprocess.Popen(daphne, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("daphne did not start")


@pytest.fixture
def daphne_server(transactional_db):
    """A daphne process serving the whole site on the test database: .url, .restart()."""
    assert connection.vendor == "sqlite", "browser tests run on the embedded default"
    db_path = connection.settings_dict["NAME"]

    class Server:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start_daphne(port, db_path)

        def restart(self):
            self.stop()
            self.process = start_daphne(self.port, db_path)

        def stop(self):
            self.process.kill()
            self.process.wait()

    server = Server()
    yield server
    server.stop()


@pytest.fixture
def open_page(browser, daphne_server):
    yield from page_maker(browser, daphne_server.url)


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    # Each role lands on its own work (accounts.roles.landing_url): anywhere but the login page.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def say(page, text: str) -> None:
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def test_a_party_and_the_mediator_talk_live_and_the_caucus_stays_private(
    open_page, daphne_server, dispute, advance, claimant, respondent, mediator
):
    advance(dispute, "in_mediation")
    rooms = {room.party or "joint": room for room in Room.objects.filter(dispute=dispute)}

    # The claimant on a phone and the mediator on a desktop open the joint room.
    party = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(party, "claimant")
    party.goto(f"/mediation/disputes/{dispute.pk}/chat/")
    party.wait_for_url(f"**/mediation/rooms/{rooms['joint'].pk}/")
    expect(party.locator("#chat-status")).to_have_text("已连接")
    staff = open_page()
    sign_in(staff, "mediator")
    staff.goto(f"/mediation/rooms/{rooms['joint'].pk}/")
    expect(staff.locator("#chat-status")).to_have_text("已连接")
    # The mediator has the joint room and both caucuses as tabs; the party two.
    expect(staff.locator(".chat-tab")).to_have_count(3)
    expect(party.locator(".chat-tab")).to_have_count(2)
    # Presence: both are online, on both pages.
    for page in (party, staff):
        expect(page.locator(f'#chat-presence li[data-user="{claimant.pk}"]')).to_have_class("online")
        expect(page.locator(f'#chat-presence li[data-user="{mediator.pk}"]')).to_have_class("online")

    # Typing shows on the other side; Enter sends; the message arrives live.
    party.fill("#chat-input", "您好，调解员")
    expect(staff.locator("#chat-typing")).to_have_text("张三 正在输入…")
    party.press("#chat-input", "Enter")
    expect(staff.locator("#chat-log .chat-msg .chat-body")).to_have_text(["您好，调解员"])
    expect(party.locator("#chat-log .chat-msg.mine .chat-body")).to_have_text(["您好，调解员"])
    # The mediator's page read it: the party sees a read receipt.
    expect(party.locator("#chat-log .chat-msg.mine .chat-receipt")).to_have_text("已读")
    say(staff, "您好，请说说楼上漏水的情况。")
    expect(party.locator("#chat-log .chat-body").last).to_have_text("您好，请说说楼上漏水的情况。")

    # The Enter that confirms an IME composition does not send.
    party.fill("#chat-input", "louxia")
    party.dispatch_event("#chat-input", "keydown", {"key": "Enter", "isComposing": True})
    party.wait_for_timeout(300)
    expect(party.locator("#chat-input")).to_have_value("louxia")
    expect(staff.locator("#chat-log .chat-msg")).to_have_count(2)

    # Text is text, never HTML.
    say(party, "<img src=x onerror=window.pwned=1>")
    expect(staff.locator("#chat-log .chat-body").last).to_have_text("<img src=x onerror=window.pwned=1>")
    assert staff.locator("#chat-log img").count() == 0
    assert not staff.evaluate("window.pwned")

    # The caucus: the mediator and the claimant talk privately.
    staff.locator(f'.chat-tab[data-room="{rooms["claimant"].pk}"]').click()
    expect(staff.locator("#chat-status")).to_have_text("已连接")
    say(staff, "私下说：您能接受的最低金额是多少？")
    party.locator(f'.chat-tab[data-room="{rooms["claimant"].pk}"]').click()
    expect(party.locator("#chat-log .chat-body")).to_have_text(["私下说：您能接受的最低金额是多少？"])
    say(party, "八百元")
    expect(staff.locator("#chat-log .chat-body").last).to_have_text("八百元")

    # The respondent sees the joint conversation, never the caucus, not even by URL.
    other = open_page()
    sign_in(other, "respondent")
    other.goto(f"/mediation/rooms/{rooms['joint'].pk}/")
    expect(other.locator("#chat-log .chat-body").first).to_have_text("您好，调解员")
    expect(other.locator("#chat-log .chat-msg")).to_have_count(3)
    assert "八百" not in other.content() and "最低金额" not in other.content()
    assert other.goto(f"/mediation/rooms/{rooms['claimant'].pk}/").status == 404
    expect(other.locator(".chat-tab")).to_have_count(0)


def test_the_page_reconnects_after_a_drop_and_syncs_what_it_missed(
    open_page, daphne_server, dispute, advance, claimant, mediator
):
    advance(dispute, "in_mediation")
    joint = Room.objects.get(dispute=dispute, kind="joint")
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, "claimant")
    page.goto(f"/mediation/rooms/{joint.pk}/")
    expect(page.locator("#chat-status")).to_have_text("已连接")
    say(page, "第一条")
    expect(page.locator("#chat-log .chat-msg.mine .chat-receipt")).to_have_text("已发送")

    # The server goes away; a message is stored meanwhile; the page comes back and syncs.
    daphne_server.stop()
    expect(page.locator("#chat-status")).to_have_text("连接中断，正在重新连接…")
    chat.post_message(joint.pk, mediator, "断线期间的消息", "while-down")
    daphne_server.restart()
    expect(page.locator("#chat-status")).to_have_text("已连接", timeout=30_000)
    expect(page.locator("#chat-log .chat-body")).to_have_text(["第一条", "断线期间的消息"])
