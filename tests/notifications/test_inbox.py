"""The inbox: API (list, read, preferences), the page with its badge, and the live socket."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.asgi import application
from disputes import services
from notifications.models import Notification
from tests import factories

ORIGIN = "http://127.0.0.1:8000"


def tell(dispute, user, times=1, name="sla_reminder"):
    for _ in range(times):
        services.record_event(dispute, name, None, notify=[user])


# --- API ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_is_mine_only_newest_first_with_cursor(api, dispute, claimant, outsider):
    tell(dispute, claimant, 3)
    tell(dispute, outsider, 2)
    body = api(claimant).get("/api/v1/notifications/?page_size=2").json()
    mine = list(Notification.objects.filter(user=claimant, channel="in_app").order_by("-id"))
    assert [n["id"] for n in body["results"]] == [n.pk for n in mine[:2]]
    assert body["results"][0] == {
        "id": mine[0].pk, "event": "sla_reminder", "title": mine[0].title, "body": mine[0].body,
        "link": mine[0].link, "dispute": dispute.pk, "legal": False,
        "created_at": body["results"][0]["created_at"], "read": False, "read_at": None,
    }  # fmt: skip
    rest = api(claimant).get(body["next"]).json()
    assert [n["id"] for n in rest["results"]] == [mine[2].pk] and rest["next"] is None


@pytest.mark.django_db
def test_list_costs_the_same_queries_for_5_and_50_rows(api, dispute, claimant):
    client = api(claimant)
    tell(dispute, claimant, 5)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/notifications/?page_size=100").json()["results"]) == 5
    tell(dispute, claimant, 45)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/notifications/?page_size=100").json()["results"]) == 50
    assert len(few) == len(many)


@pytest.mark.django_db
def test_mark_read_and_404_for_other_users_rows(api, dispute, claimant, outsider):
    tell(dispute, claimant)
    tell(dispute, outsider)
    mine = Notification.objects.get(user=claimant, channel="in_app")
    theirs = Notification.objects.get(user=outsider, channel="in_app")
    response = api(claimant).post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert api(claimant).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api(claimant).post("/api/v1/notifications/999999/read/").status_code == 404
    sms = Notification.objects.filter(user=claimant, channel="sms").first()
    assert api(claimant).post(f"/api/v1/notifications/{sms.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api().get("/api/v1/notifications/").status_code == 401
    assert api().post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 401


@pytest.mark.django_db
def test_read_all(api, dispute, claimant, outsider):
    tell(dispute, claimant, 3)
    tell(dispute, outsider)
    assert api(claimant).post("/api/v1/notifications/read-all/").json() == {"marked": 3}
    assert Notification.objects.filter(user=outsider, channel="in_app", read_at=None).count() == 1


@pytest.mark.django_db
def test_preferences_api(api, claimant):
    client = api(claimant)
    assert client.get("/api/v1/notifications/preferences/").json() == {
        "in_app": True,
        "sms": True,
        "email": True,
    }
    response = client.put("/api/v1/notifications/preferences/", {"sms": False, "email": True}, format="json")
    assert response.status_code == 200 and response.json() == {"in_app": True, "sms": False, "email": True}
    assert client.get("/api/v1/notifications/preferences/").json()["sms"] is False
    bad = client.put("/api/v1/notifications/preferences/", {"sms": "perhaps"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"sms", "email"}


# --- the page -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_inbox_page_badge_and_mark_read(client, dispute, claimant, outsider, django_assert_max_num_queries):
    tell(dispute, claimant, 2)
    tell(dispute, outsider)
    client.force_login(claimant)
    page = client.get("/notifications/")
    text = page.content.decode()
    assert page.status_code == 200 and text.count('class="panel notification unread"') == 2
    assert f"{dispute.reference} 即将到期" in text  # the claimant's notices, in Chinese
    assert re.search(r'id="unread-badge"[^>]*>2</span>', text)
    mine = Notification.objects.filter(user=claimant, channel="in_app").first()
    theirs = Notification.objects.get(user=outsider, channel="in_app")
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    opened = client.post(f"/notifications/{mine.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/disputes/{dispute.pk}/"
    client.post("/notifications/read-all/")
    assert re.search(r'id="unread-badge"[^>]*hidden></span>', client.get("/notifications/").content.decode())
    tell(dispute, claimant, 20)
    with django_assert_max_num_queries(12):
        client.get("/notifications/")


@pytest.mark.django_db
def test_inbox_page_in_english_and_preferences_form(client, dispute, claimant):
    claimant.language = "en"
    claimant.save()
    tell(dispute, claimant)
    client.force_login(claimant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get("/notifications/").content.decode()
    assert f"{dispute.reference}: deadline approaching" in text and "How we reach you" in text
    response = client.post("/notifications/preferences/", {"email": "on"})
    assert response.status_code == 302
    from notifications.models import Preference

    pref = Preference.objects.get(user=claimant)
    assert (pref.sms, pref.email) == (False, True)


@pytest.mark.django_db
def test_inbox_page_needs_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the live socket ------------------------------------------------------------------------------------
def _cookie(user) -> str:
    c = Client()
    c.force_login(user)
    return c.cookies[settings.SESSION_COOKIE_NAME].value


async def _open(user=None):
    headers = [(b"origin", ORIGIN.encode())]
    if user is not None:
        cookie = await sync_to_async(_cookie)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


@pytest.fixture
def live_categories(transactional_db):
    import importlib

    from disputes.models import Category

    migration = importlib.import_module("disputes.migrations.0002_categories")
    for position, (slug, name, name_en) in enumerate(migration.CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "position": position}
        )


@pytest.mark.django_db(transaction=True)
async def test_new_notices_are_pushed_after_commit(live_categories):
    regions = await sync_to_async(factories.region_tree)()
    claimant = await sync_to_async(factories.UserFactory)(username="c", full_name="张三")
    respondent = await sync_to_async(factories.UserFactory)(username="r", full_name="李四")
    worker = await sync_to_async(factories.staff)("grid_worker", regions["grid1"], username="gw")
    dispute = await sync_to_async(factories.file_dispute)(claimant, regions["grid1"], respondent.phone)
    claimant_socket = await _open(claimant)
    other_socket = await _open(worker)
    assert await claimant_socket.receive_json_from(timeout=3) == {"type": "hello", "unread": 0}
    await other_socket.receive_json_from(timeout=3)  # hello (the grid worker was told of the filing)
    await sync_to_async(services.fire)(dispute.pk, "accept", by=worker)
    frame = await claimant_socket.receive_json_from(timeout=3)
    assert frame["type"] == "notification"
    assert frame["notification"]["event"] == "accept" and dispute.reference in frame["notification"]["title"]
    assert frame["notification"]["read"] is False
    assert await other_socket.receive_nothing(timeout=0.3)  # the actor is not told
    await claimant_socket.disconnect()
    await other_socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_socket_without_sign_in_is_closed_4401():
    socket = await _open()
    output = await socket.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_socket_closes_on_logout(live_categories):
    user = await sync_to_async(factories.UserFactory)(username="u")
    socket = await _open(user)
    assert (await socket.receive_json_from(timeout=3))["type"] == "hello"
    client = Client()
    await sync_to_async(client.force_login)(user)
    response = await sync_to_async(client.post)("/api/v1/auth/logout/")
    assert response.status_code == 204, response.content
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
