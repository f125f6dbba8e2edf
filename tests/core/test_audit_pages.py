"""Who reads the audit log: superusers in the admin (read-only), case handlers the entries of
their region's disputes at /audit/ (docs/personal-data-audit.md, "Who reads it")."""

from __future__ import annotations

import pytest
from django.test import Client

from core import audit
from core.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def far_dispute(regions, claimant, respondent):
    return factories.file_dispute(claimant, regions["grid3"], respondent.phone)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def entries(dispute, far_dispute, claimant):
    here = audit.record(A.REVEAL, actor=claimant, dispute=dispute, target="near-entry")
    there = audit.record(A.REVEAL, actor=claimant, dispute=far_dispute, target="far-entry")
    audit.record(A.SIGN_IN, actor=claimant, target="no-dispute-entry")
    return here, there


def test_a_case_handler_sees_the_entries_of_disputes_in_their_region_only(entries, street_handler, regions):
    other = factories.staff("case_handler", regions["street2"], username="other_handler")
    page = client_for(street_handler).get("/audit/").content.decode()
    assert "near-entry" in page and "far-entry" not in page and "no-dispute-entry" not in page
    page = client_for(other).get("/audit/").content.decode()
    assert "far-entry" in page and "near-entry" not in page


def test_a_district_handler_sees_the_whole_subtree_and_filters_by_action(entries, district_handler, dispute):
    page = client_for(district_handler).get("/audit/").content.decode()
    assert "near-entry" in page and "far-entry" in page
    page = client_for(district_handler).get("/audit/", {"action": "transition"}).content.decode()
    assert "near-entry" not in page
    page = client_for(district_handler).get("/audit/", {"dispute": dispute.reference}).content.decode()
    assert "near-entry" in page and "far-entry" not in page


@pytest.mark.parametrize("who", ["claimant", "grid_worker", "mediator"])
def test_others_may_not_read_the_log(entries, who, cast):
    assert client_for(cast(who)).get("/audit/").status_code == 403


def test_the_page_speaks_chinese(entries, street_handler):
    client = client_for(street_handler)
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审计日志" in page


def test_superusers_read_the_log_in_the_admin_and_cannot_change_it(entries, superuser):
    client = client_for(superuser)
    here, _there = entries
    listing = client.get("/admin/core/auditentry/", {"action__exact": "reveal", "q": "near"})
    assert listing.status_code == 200
    assert "near-entry" in listing.content.decode() and "far-entry" not in listing.content.decode()
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    assert client.post(f"/admin/core/auditentry/{here.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/core/auditentry/{here.pk}/change/", {"target": "changed"})
    assert AuditEntry.objects.get(pk=here.pk).target == "near-entry"
    assert audit.verify()[1] is None


def test_staff_without_superuser_cannot_open_the_admin_log(entries):
    staff = factories.UserFactory(username="clerk", is_staff=True)
    assert client_for(staff).get("/admin/core/auditentry/").status_code == 403
