"""The personal-data crawl (docs/personal-data-masking.md): as each staff role and as the
parties (of these disputes and of another), fetch every page, API answer, PDF, export and
notification reachable for disputes in several states, and find no full phone number or
18-character ID number except the reader's own and a reveal's answer; every reveal has a
reason and an audit entry.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import uuid

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.phones import mask_id_number, mask_phone
from core.models import AuditEntry
from disputes.reveals import REASONS
from mediation.settlements import judicial
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

# ASCII digits only, not inside a longer run of letters or digits (hashes, tokens, cursors).
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])", re.ASCII)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])", re.ASCII)
CLAIMANT_ID = "330106199001011234"
RESPONDENT_ID = "11010519491231002X"
ADDRESS = "杭州市西湖区北山路88号3单元"

READERS = ["grid_worker", "mediator", "street_handler", "district_handler", "admin", "claimant", "respondent",
           "other_party"]  # fmt: skip


@pytest.fixture
def admin(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True, full_name="管理员")


@pytest.fixture
def other_party(regions, outsider, respondent):
    """A party of another dispute in the same grid (王五 against someone else)."""
    factories.file_dispute(outsider, regions["grid1"], factories.next_phone(), respondent_name="赵六")
    return outsider


@pytest.fixture
def disputes(regions, claimant, respondent, advance, other_party, outbox, settings):
    from django.core.cache import cache

    cache.clear()
    claimant.id_number, respondent.id_number = CLAIMANT_ID, RESPONDENT_ID
    claimant.save(), respondent.save()

    def filed(state):
        from disputes.models import Dispute

        dispute = factories.file_dispute(
            claimant, regions["grid1"], respondent.phone, respondent_email="lisi@example.com",
            respondent_address=ADDRESS, amount_claimed="1200", title=f"楼上漏水（{state}）",
        )  # fmt: skip
        Dispute.objects.filter(pk=dispute.pk).update(claimant_address=ADDRESS + "1室")
        dispute.refresh_from_db()
        return dispute

    out = {
        state: advance(filed(state), state)
        for state in ("filed", "awaiting_response", "in_mediation", "settled", "case_handling")
    }
    judicial.start(out["settled"], respondent)
    return out


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def body_text(response, tmp_path) -> str:
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        return pdf_text(content, tmp_path)
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(content))
        return "\n".join(" ".join(str(c.value or "") for c in row) for row in book.active.iter_rows())
    if kind.startswith("text/csv"):
        return "\n".join(" ".join(r) for r in csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return content.decode("utf-8", errors="replace")


def urls(dispute_ids: list[int], pdf_ids: list[int], api_client) -> list[str]:
    found = [
        "/disputes/", "/disputes/queue/", "/cases/", "/cockpit/", "/notifications/", "/reveals/",
        "/api/v1/disputes/", "/api/v1/queue/", "/api/v1/notifications/", "/api/v1/reveals/", "/api/v1/stats/",
        "/api/v1/reviews/", "/api/v1/auth/me/",
        "/api/v1/disputes/export/?format=csv", "/api/v1/disputes/export/?format=xlsx",
        "/api/v1/queue/export/?format=csv", "/api/v1/disputes/export/research/?format=csv&level=grid",
    ]  # fmt: skip
    for pk in dispute_ids:
        found += [
            f"/disputes/{pk}/", f"/cases/{pk}/", f"/disputes/{pk}/chat/",
            f"/api/v1/disputes/{pk}/", f"/api/v1/disputes/{pk}/events/", f"/api/v1/disputes/{pk}/evidence/",
            f"/api/v1/disputes/{pk}/settlement/", f"/api/v1/disputes/{pk}/judicial/",
            f"/api/v1/disputes/{pk}/info-requests/", f"/api/v1/disputes/{pk}/rating/",
            f"/api/v1/disputes/{pk}/candidates/", f"/api/v1/disputes/{pk}/assignments/",
            f"/api/v1/disputes/{pk}/rooms/",
        ]  # fmt: skip
        if pk in pdf_ids:  # PDFs take a second each: the disputes that have them
            found += [
                f"/api/v1/disputes/{pk}/settlement/pdf/", f"/api/v1/disputes/{pk}/judicial/pdf/",
                f"/api/v1/disputes/{pk}/dossier/", f"/api/v1/disputes/{pk}/referral-letter/",
            ]  # fmt: skip
        rooms = api_client.get(f"/api/v1/disputes/{pk}/rooms/")
        if rooms.status_code == 200:
            rows = rooms.json() if isinstance(rooms.json(), list) else rooms.json().get("results", [])
            found += [f"/api/v1/rooms/{room['id']}/messages/" for room in rows if "id" in room]
    return found


def leaks(text: str, allowed: set[str]) -> list[str]:
    flat = "".join(text.split())
    found = {m for m in PHONE.findall(text) + ID_NUMBER.findall(text)}
    secrets = {s for s in ALL_SECRETS if s in flat}  # a number a line break split apart
    return sorted((found | secrets) - allowed)


ALL_SECRETS: set[str] = set()


def test_no_reader_meets_a_full_phone_or_id_number_but_their_own(
    disputes, cast, api, claimant, respondent, tmp_path
):
    ALL_SECRETS.clear()
    ALL_SECRETS.update({claimant.phone, respondent.phone, CLAIMANT_ID, RESPONDENT_ID})
    ids = [d.pk for d in disputes.values()]
    pdf_ids = [disputes["settled"].pk, disputes["case_handling"].pk]
    fetched, pdfs, masked_seen = 0, 0, 0
    masks = {mask_phone(claimant.phone), mask_phone(respondent.phone), mask_id_number(RESPONDENT_ID)}
    for who in READERS:
        user = cast(who)
        client = api(user)
        page = Client()
        page.force_login(user)
        allowed = {user.phone, user.id_number} - {""}
        for url in urls(ids, pdf_ids, client):
            getter = page if not url.startswith("/api/") else client
            response = getter.get(url)
            if response.status_code != 200:
                continue
            fetched += 1
            text = body_text(response, tmp_path)
            pdfs += response.get("Content-Type", "").startswith("application/pdf")
            masked_seen += any(m in text for m in masks)
            found = leaks(text, allowed)
            assert not found, (who, url, found)
    # The crawl reached the pages, the PDFs and the contacts (masked), not only refusals.
    assert fetched > 250 and pdfs > 20 and masked_seen > 100, (fetched, pdfs, masked_seen)
    # What the notifications said, to everyone, on every channel, and what the SMS outbox holds.
    for n in Notification.objects.all():
        assert not leaks(n.title + "\n" + n.body, set()), (n.kind, n.channel)
    from django.conf import settings

    for sms in (settings.OUTBOX_DIR / "sms").glob("*.json"):
        import json

        assert not leaks(json.loads(sms.read_text(encoding="utf-8"))["body"], set()), sms.name


def test_reveals_show_the_value_only_in_their_answer_and_are_all_audited(disputes, cast, api, respondent):
    made = []
    for n, who in enumerate(["grid_worker", "mediator", "street_handler", "admin"]):
        user = cast(who)
        dispute = disputes["in_mediation"] if who != "street_handler" else disputes["case_handling"]
        code = list(REASONS)[n % len(REASONS)]
        r = api(user).post(
            f"/api/v1/disputes/{dispute.pk}/reveal/",
            {"party": "respondent", "field": "id_number", "reason": {"code": code, "text": "核对身份"}},
            format="json",
        )
        assert r.status_code == 200 and r.json()["value"] == RESPONDENT_ID, (who, r.content)
        made.append((user.pk, dispute.pk))
        page = Client()
        page.force_login(user)
        shown = page.post(
            f"/disputes/{dispute.pk}/reveal/",
            {"party": "respondent", "field": "phone", "reason": "other", "text": "电话联系"},
        )
        assert respondent.phone in shown.content.decode()
        made.append((user.pk, dispute.pk))
        # ... and nowhere else afterwards.
        assert respondent.phone not in page.get(f"/disputes/{dispute.pk}/").content.decode()
        assert RESPONDENT_ID not in api(user).get(f"/api/v1/disputes/{dispute.pk}/").content.decode()
    entries = list(AuditEntry.objects.filter(action="reveal").order_by("index"))
    assert [(e.actor_id, e.dispute_id) for e in entries] == made
    for e in entries:
        assert e.data["reason"] in REASONS and (e.data["reason"] != "other" or e.data["text"])
        assert RESPONDENT_ID not in str(e.data) + e.target and respondent.phone not in str(e.data) + e.target
    # The parties and a party of another dispute cannot reveal.
    for who, status in (("claimant", 403), ("respondent", 403), ("other_party", 404)):
        r = api(cast(who)).post(
            f"/api/v1/disputes/{disputes['in_mediation'].pk}/reveal/",
            {"party": "claimant", "field": "phone", "reason": {"code": "contact_party"}},
            format="json",
        )
        assert r.status_code == status, who
    assert AuditEntry.objects.filter(action="reveal").count() == len(made)
