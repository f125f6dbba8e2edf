"""TURN credentials for a room's members (docs/chat-protocol.md, "Calls")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

pytestmark = pytest.mark.django_db


def url(room) -> str:
    return f"/api/v1/rooms/{room.pk}/call-credentials/"


def test_a_member_gets_turn_credentials_coturn_can_check(rooms, api, claimant, settings):
    settings.TURN_SECRET = "s3cret"
    settings.TURN_URLS = ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"]
    settings.STUN_URLS = ["stun:stun.example.org:3478"]
    settings.TURN_TTL = 600
    response = api(claimant).get(url(rooms["joint"]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["ttl"] == 600 and body["relay_only"] is False
    stun, turn = body["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    expiry, user_id = turn["username"].split(":")
    assert user_id == str(claimant.pk) and 590 <= int(expiry) - time.time() <= 601
    expected = base64.b64encode(
        hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert turn["credential"] == expected and turn["urls"] == settings.TURN_URLS


def test_without_turn_urls_only_stun_and_host_candidates(rooms, api, mediator, settings):
    settings.TURN_URLS, settings.STUN_URLS, settings.TURN_RELAY_ONLY = [], [], True
    body = api(mediator).get(url(rooms["claimant"])).json()
    assert body["ice_servers"] == [] and body["relay_only"] is False


def test_relay_only_is_passed_on(rooms, api, mediator, settings):
    settings.TURN_URLS, settings.TURN_RELAY_ONLY, settings.TURN_SECRET = ["turn:127.0.0.1:3478"], True, "x"
    assert api(mediator).get(url(rooms["joint"])).json()["relay_only"] is True


def test_others_get_404(rooms, api, respondent, outsider, grid_worker):
    assert api(respondent).get(url(rooms["claimant"])).status_code == 404  # the other party's caucus
    assert api(outsider).get(url(rooms["joint"])).status_code == 404
    assert api(grid_worker).get(url(rooms["joint"])).status_code == 404
    assert api().get(url(rooms["joint"])).status_code == 401
