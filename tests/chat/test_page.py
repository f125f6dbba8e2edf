"""The chat page: members only, tabs for the mediator, text never rendered as HTML."""

from __future__ import annotations

import json

import pytest

from mediation.chat import store as chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_as(client):
    def get(user, url):
        client.force_login(user)
        return client.get(url)

    return get


def config_of(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="chat-config" type="application/json">') + len(
        '<script id="chat-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_mediator_sees_the_joint_room_and_both_caucuses_as_tabs(page_as, rooms, mediator):
    response = page_as(mediator, f"/mediation/rooms/{rooms['joint'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for room in rooms.values():
        assert f'data-room="{room.pk}"' in html
    config = config_of(response)
    assert config["room"] == rooms["joint"].pk and config["ws"] == f"/ws/rooms/{rooms['joint'].pk}/"
    assert config["me"]["role"] == "mediator"
    assert sorted(m["role"] for m in config["members"].values()) == ["claimant", "mediator", "respondent"]


def test_a_party_sees_the_joint_room_and_their_caucus_only(page_as, rooms, claimant):
    response = page_as(claimant, f"/mediation/rooms/{rooms['claimant'].pk}/")
    html = response.content.decode()
    assert f'data-room="{rooms["joint"].pk}"' in html and f'data-room="{rooms["respondent"].pk}"' not in html
    assert sorted(m["role"] for m in config_of(response)["members"].values()) == ["claimant", "mediator"]


def test_the_other_partys_caucus_and_outsiders_get_404(page_as, rooms, respondent, outsider, grid_worker):
    assert page_as(respondent, f"/mediation/rooms/{rooms['claimant'].pk}/").status_code == 404
    assert page_as(outsider, f"/mediation/rooms/{rooms['joint'].pk}/").status_code == 404
    assert page_as(grid_worker, f"/mediation/rooms/{rooms['joint'].pk}/").status_code == 404


def test_the_dispute_chat_link_opens_the_joint_room(page_as, rooms, respondent):
    response = page_as(respondent, f"/mediation/disputes/{rooms['joint'].dispute_id}/chat/")
    assert response.status_code == 302 and response["Location"] == f"/mediation/rooms/{rooms['joint'].pk}/"


def test_anonymous_visitors_are_sent_to_sign_in(client, rooms):
    response = client.get(f"/mediation/rooms/{rooms['joint'].pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_names_are_escaped_in_the_page_config(page_as, rooms, claimant, mediator):
    claimant.full_name = "</script><script>alert(1)</script>"
    claimant.save()
    chat.post_message(rooms["joint"].pk, claimant, "<b>hi</b>", "x")
    html = page_as(mediator, f"/mediation/rooms/{rooms['joint'].pk}/").content.decode()
    assert "<script>alert(1)" not in html
