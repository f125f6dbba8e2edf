"""The chat page's call bar: its configuration, and camera and microphone for this origin only."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def call_config(response) -> dict:
    html = response.content.decode()
    marker = '<script id="call-config" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def test_the_mediator_gets_the_start_buttons_and_the_credentials_url(client, rooms, mediator):
    client.force_login(mediator)
    response = client.get(f"/mediation/rooms/{rooms['claimant'].pk}/")
    config = call_config(response)
    assert config["isMediator"] is True and config["room"] == rooms["claimant"].pk
    assert config["credentials"] == f"/api/v1/rooms/{rooms['claimant'].pk}/call-credentials/"
    assert config["text"]["video"] == "视频通话"
    assert 'data-call-start="video"' in response.content.decode()


def test_a_party_is_not_a_mediator_here(client, rooms, claimant):
    client.force_login(claimant)
    assert call_config(client.get(f"/mediation/rooms/{rooms['joint'].pk}/"))["isMediator"] is False


def test_the_chat_page_may_use_camera_and_microphone_other_pages_may_not(client, rooms, claimant):
    client.force_login(claimant)
    policy = client.get(f"/mediation/rooms/{rooms['joint'].pk}/")["Permissions-Policy"]
    assert "camera=(self)" in policy and "microphone=(self)" in policy and "geolocation=()" in policy
    other = client.get("/")["Permissions-Policy"]
    assert "camera=()" in other and "microphone=()" in other
