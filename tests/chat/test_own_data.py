"""A user's own data (GET /api/v1/auth/me/data/ and /my-data/): complete for them, nothing of
the other party's private session, bounded queries, an audit entry per download."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import privacy
from accounts.models import PrivacyAcceptance
from core.models import AuditEntry
from disputes.models import Evidence
from mediation.chat.store import post_message
from mediation.owndata.collect import collect
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/me/data/"


@pytest.fixture
def talked(rooms, claimant, respondent, mediator):
    """Messages in every room: the joint room, and each party's private session."""
    post_message(rooms["joint"].pk, claimant, "共同：我家天花板漏水", "c1", broadcast=False)
    post_message(rooms["joint"].pk, respondent, "共同：我会修", "r1", broadcast=False)
    post_message(rooms["claimant"].pk, claimant, "单独：我最低要八百元", "c2", broadcast=False)
    post_message(rooms["claimant"].pk, mediator, "单独：我去和对方谈谈", "m1", broadcast=False)
    post_message(rooms["respondent"].pk, respondent, "背对背：其实我愿意出一千", "r2", broadcast=False)
    dispute = rooms["joint"].dispute
    Evidence.objects.create(
        dispute=dispute, file="evidence/x.pdf", filename="照片.pdf", content_type="application/pdf",
        size=1234, sha256="a" * 64, uploaded_by=claimant,
    )  # fmt: skip
    privacy.accept(claimant, privacy.current_version(), via=PrivacyAcceptance.Via.PAGE)
    return dispute


def test_the_claimant_gets_all_of_their_own_data_in_full(api, talked, claimant, respondent):
    claimant.id_number = "11010519491231002X"
    claimant.save(update_fields=["id_number"])
    r = api(claimant).get(URL)
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment;")
    data = r.json()
    assert data["account"]["phone"] == claimant.phone and data["account"]["id_number"] == "11010519491231002X"
    assert [a["version"] for a in data["privacy_notice_acceptances"]] == ["2026-12"]
    [dispute] = data["disputes"]
    assert dispute["reference"] == talked.reference and dispute["your_role"] == "claimant"
    assert dispute["filed"]["respondent_phone"] == respondent.phone  # they gave it themselves
    assert {e["transition"] for e in data["events"]} >= {"file", "accept", "respondent_accept"}
    bodies = {m["body"] for m in data["messages"]}
    assert bodies == {"共同：我家天花板漏水", "共同：我会修", "单独：我最低要八百元", "单独：我去和对方谈谈"}
    assert [m["mine"] for m in data["messages"] if m["body"] == "共同：我会修"] == [False]
    assert data["evidence"][0]["filename"] == "照片.pdf" and data["evidence"][0]["mine"] is True
    assert data["notifications"] and all(n["title"] for n in data["notifications"])
    assert (
        AuditEntry.objects.filter(action="download", actor_id=claimant.pk, data__format="json").count() == 1
    )


def test_the_respondent_sees_neither_the_other_caucus_nor_the_claimants_contacts(
    api, talked, claimant, respondent
):
    data = api(respondent).get(URL).json()
    [dispute] = data["disputes"]
    assert dispute["your_role"] == "respondent" and dispute["you_as_recorded"]["phone"] == respondent.phone
    assert dispute["filed"] == {"claimant_name": "张三"}
    bodies = {m["body"] for m in data["messages"]}
    assert "背对背：其实我愿意出一千" in bodies and "单独：我最低要八百元" not in bodies
    assert "单独：我去和对方谈谈" not in bodies
    assert claimant.phone not in json.dumps(data)
    assert [e["mine"] for e in data["evidence"]] == [False]


def test_an_outsider_gets_their_account_and_nothing_of_anyone_else(api, talked, outsider, claimant):
    data = api(outsider).get(URL).json()
    assert data["account"]["username"] == "outsider"
    assert data["disputes"] == data["messages"] == data["events"] == data["evidence"] == []
    assert claimant.phone not in json.dumps(data)


def test_an_unverified_phone_is_no_party(api, talked, claimant):
    """Parties are known by verified phone: an account claiming the number unverified gets nothing."""
    impostor = factories.UserFactory(phone=claimant.phone, phone_verified=False)
    assert api(impostor).get(URL).json()["disputes"] == []


def test_anonymous_callers_get_nothing(api, client):
    assert api().get(URL).status_code == 401
    assert client.get("/my-data/").status_code == 302


def test_the_readable_page_and_its_download(client, talked, claimant):
    client.force_login(claimant)
    page = client.get("/my-data/").content.decode()
    assert talked.reference in page and "单独：我最低要八百元" in page and claimant.phone in page
    assert "背对背：其实我愿意出一千" not in page
    assert 'href="/api/v1/auth/me/data/"' in page
    saved = client.get("/my-data/?download=1")
    assert saved["Content-Disposition"].startswith("attachment;") and "<style>" in saved.content.decode()
    assert (
        AuditEntry.objects.filter(action="download", actor_id=claimant.pk, data__format="html").count() == 2
    )


def test_english_page(client, talked, claimant):
    client.force_login(claimant)
    claimant.language = "en"
    claimant.save(update_fields=["language"])
    page = client.get("/my-data/").content.decode()
    assert "Your disputes" in page and "Mediation chat messages" in page


def test_queries_do_not_grow_with_disputes_or_messages(talked, claimant, regions, advance):
    with CaptureQueriesContext(connection) as one:
        collect(claimant)
    for n in range(3):
        other = factories.UserFactory()
        more = advance(
            factories.file_dispute(claimant, regions["grid1"], other.phone, title=f"第{n}件"),
            "awaiting_response",
        )
        assert more.pk
    room = talked.rooms.get(kind="joint")
    for i in range(5):
        post_message(room.pk, claimant, f"又一条{i}", f"x{i}", broadcast=False)
    with CaptureQueriesContext(connection) as many:
        data = collect(claimant)
    assert len(data["disputes"]) == 4 and len(data["events"]) > 8 and len(data["messages"]) == 9
    assert len(many.captured_queries) == len(one.captured_queries)
