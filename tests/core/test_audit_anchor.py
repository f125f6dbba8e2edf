"""Anchors (the chain head stamped by the platform TSA), `verify_audit`, and the nightly check
that tells the superusers of a break once (docs/personal-data-audit.md)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core import audit
from core.models import AuditAnchor, AuditCheck, AuditEntry
from mediation.settlements import anchors, tasks
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db
A = AuditEntry.Action


def run_command() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def behind_the_logs_back(change) -> None:
    """Run `change` with PostgreSQL's append-only trigger off (SQLite has none)."""
    trigger = "ALTER TABLE core_auditentry {} TRIGGER core_auditentry_append_only"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(trigger.format("DISABLE"))
    change()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(trigger.format("ENABLE"))


def tamper(index: int) -> None:
    behind_the_logs_back(lambda: AuditEntry.objects.filter(index=index).update(target="forged"))


@pytest.fixture
def entries(claimant):
    for i in range(3):
        audit.record(A.SIGN_IN, actor=claimant, data={"n": i})


def test_the_head_is_stamped_once_and_the_token_covers_its_hash(entries):
    assert tasks.anchor_audit_log() == 2
    anchor = AuditAnchor.objects.get()
    assert (anchor.index, anchor.hash) == audit.head()
    assert audit.token_imprint(anchor.token) == bytes.fromhex(anchor.hash)
    assert anchors.stamp_head() is None  # nothing new since
    audit.record(A.SIGN_OUT)
    assert anchors.stamp_head().index == 3
    assert run_command().strip() == "4 entries, 2 anchors: OK"


def test_an_empty_log_is_not_stamped_and_verifies():
    assert anchors.stamp_head() is None
    assert run_command().strip() == "0 entries, 0 anchors: OK"


def test_a_token_for_another_hash_is_refused(entries):
    other = anchors.signing.timestamper()
    import asyncio

    token = asyncio.run(other.async_timestamp(bytes(32), "sha256")).dump()
    index, digest = audit.head()
    with pytest.raises(ValueError):
        audit.add_anchor(index, digest, token)


def test_an_anchor_that_no_longer_matches_its_entry_is_a_break(entries):
    anchors.stamp_head()
    behind_the_logs_back(lambda: AuditEntry.objects.filter(index=2).update(hash="f" * 64))
    with pytest.raises(CommandError, match="broken at index 2") as failure:
        call_command("verify_audit")
    assert failure.value.returncode == 1


def test_an_anchor_with_a_foreign_token_is_a_break(entries):
    real = anchors.stamp_head()
    index, digest = 1, AuditEntry.objects.get(index=1).hash
    AuditAnchor.objects.create(index=index, hash=digest, token=bytes(real.token), at=real.at)
    _entries, _anchors, broken = audit.check()
    assert broken.index == 1 and "token" in broken.reason


def test_a_tampered_entry_fails_the_command_at_its_index(entries):
    tamper(1)
    with pytest.raises(CommandError, match="broken at index 1: contents do not match the hash"):
        call_command("verify_audit")


# --- the nightly check ---------------------------------------------------------------------------
@pytest.fixture
def superusers(db):
    return [
        factories.UserFactory(username="root1", is_staff=True, is_superuser=True),
        factories.UserFactory(username="root2", is_staff=True, is_superuser=True),
    ]


def alerts() -> list[Notification]:
    return list(Notification.objects.filter(kind="audit_broken", channel=Notification.Channel.IN_APP))


def test_an_intact_log_alerts_nobody(entries, superusers):
    assert tasks.verify_audit_log() is True
    check = AuditCheck.objects.get()
    assert (check.entries, check.broken_index, check.alerted) == (3, None, False)
    assert alerts() == []


def test_a_break_is_one_legal_notice_to_each_active_superuser_once(
    entries, superusers, claimant, grid_worker
):
    factories.UserFactory(username="retired_root", is_superuser=True, is_active=False)
    tamper(1)
    assert tasks.verify_audit_log() is False
    notices = alerts()
    assert sorted(n.user.username for n in notices) == ["root1", "root2"]
    assert all(n.legal for n in notices)
    assert "1" in notices[0].body
    # The next night, the same break: recorded, not told again.
    assert tasks.verify_audit_log() is False
    assert len(alerts()) == 2
    assert [c.alerted for c in AuditCheck.objects.order_by("at", "pk")] == [True, False]


def test_a_new_break_earlier_in_the_chain_is_told_again(entries, superusers):
    tamper(2)
    tasks.verify_audit_log()
    tamper(0)
    tasks.verify_audit_log()
    assert len(alerts()) == 4
    assert list(AuditCheck.objects.order_by("pk").values_list("broken_index", flat=True)) == [2, 0]


def test_the_beat_schedule_runs_both_tasks(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"mediation.tasks.anchor_audit_log", "mediation.tasks.verify_audit_log"} <= tasks_scheduled
    assert tasks.anchor_audit_log.name == "mediation.tasks.anchor_audit_log"
    assert tasks.verify_audit_log.name == "mediation.tasks.verify_audit_log"
