"""The retention task with a moved clock (docs/personal-data-retention.md): every record one day
past its period is deleted or anonymised, files included; every record one day inside it is left
byte for byte; the audit log is never purged and gets one `retention` entry per kind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import PhoneCode
from core import audit
from core.crypto import blind_index
from core.models import AuditEntry
from disputes import services
from disputes.models import Dispute, Evidence
from disputes.retention import ANONYMISED_NAME, REMOVED_PHONE
from mediation.chat import store as chat
from mediation.models import Message, Presence, Room, WsTicket
from mediation.privacy import retention
from notifications.models import Notification
from tests import factories, samples

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days(kind: str, plus: int) -> timedelta:
    return timedelta(days=settings.RETENTION[kind] + plus)


def ended_case(claimant, respondent, regions, advance, mediator, title: str, closed_at) -> Dispute:
    """A dispute mediated with chat and evidence, then withdrawn, closed at `closed_at`."""
    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=title)
    dispute = advance(dispute, "in_mediation")
    rooms = {room.party or "joint": room for room in Room.objects.filter(dispute=dispute)}
    chat.post_message(rooms["joint"].pk, claimant, f"{title}：我要求赔偿", f"{title}-1", broadcast=False)
    chat.post_message(rooms["claimant"].pk, mediator, f"{title}：底线多少？", f"{title}-2", broadcast=False)
    services.add_evidence(dispute, by=claimant, upload=samples.upload("现场.png", samples.png()))
    services.fire(dispute.pk, "withdraw", by=claimant, payload={})
    Dispute.objects.filter(pk=dispute.pk).update(closed_at=closed_at)
    dispute.refresh_from_db()
    return dispute


@pytest.fixture
def world(regions, claimant, respondent, mediator, advance, outsider):
    """Rows of every kind, one day past and one day inside their retention period."""
    w = {}
    w["old"] = ended_case(claimant, respondent, regions, advance, mediator, "旧案", NOW - days("disputes", 1))
    w["recent"] = ended_case(
        claimant, respondent, regions, advance, mediator, "近案", NOW - days("disputes", -1)
    )
    # Open: never touched whatever its age.
    w["open"] = advance(
        factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="未结"), "in_mediation"
    )
    services.add_evidence(w["open"], by=claimant, upload=samples.upload("open.png", samples.png(2, 2)))
    Dispute.objects.filter(pk=w["open"].pk).update(created_at=NOW - timedelta(days=4000))

    # Notifications: the transitions wrote in-app (sent) and SMS rows; date them.
    notices = list(Notification.objects.order_by("pk"))
    assert len(notices) >= 6
    old_sent, recent_sent, old_failed, old_pending = notices[0], notices[1], notices[2], notices[3]
    Notification.objects.filter(pk=old_sent.pk).update(status="sent", sent_at=NOW - days("notifications", 1))
    Notification.objects.filter(pk=recent_sent.pk).update(
        status="sent", sent_at=NOW - days("notifications", -1)
    )
    Notification.objects.filter(pk=old_failed.pk).update(
        status="failed", sent_at=None, created_at=NOW - days("notifications", 1)
    )
    Notification.objects.filter(pk=old_pending.pk).update(
        status="pending", sent_at=None, created_at=NOW - days("notifications", 100)
    )
    # Everything else counts as just written.
    Notification.objects.exclude(pk__in=[old_sent.pk, old_failed.pk]).filter(status="sent").exclude(
        pk=recent_sent.pk
    ).update(sent_at=NOW)
    w["notices_expired"] = {old_sent.pk, old_failed.pk}

    def code(age: timedelta) -> PhoneCode:
        c = PhoneCode.objects.create(
            phone=outsider.phone, user=outsider, code_hash="x", expires_at=NOW - age + timedelta(minutes=10)
        )
        PhoneCode.objects.filter(pk=c.pk).update(created_at=NOW - age)
        return c

    PhoneCode.objects.update(created_at=NOW)  # the signing codes of the cases: just issued
    w["code_old"], w["code_recent"] = code(days("phone_codes", 1)), code(days("phone_codes", -1))

    ttl = settings.SESSION_TOKEN_TTL
    w["token_old"] = Token.objects.create(user=outsider)
    Token.objects.filter(pk=w["token_old"].pk).update(created=NOW - ttl - days("credentials", 1))
    w["token_recent"] = Token.objects.create(user=claimant)
    # Expired, but less than RETENTION["credentials"] days ago.
    Token.objects.filter(pk=w["token_recent"].pk).update(
        created=NOW - ttl - days("credentials", 0) + timedelta(hours=1)
    )

    def session(expire) -> str:
        store = SessionStore()
        store["_auth_user_id"] = str(outsider.pk)
        store.create()
        Session.objects.filter(session_key=store.session_key).update(expire_date=expire)
        return store.session_key

    w["session_old"] = session(NOW - days("credentials", 1))
    w["session_recent"] = session(NOW - days("credentials", 0) + timedelta(hours=1))

    room = Room.objects.filter(dispute=w["open"]).first()
    w["ticket_old"] = WsTicket.objects.create(
        digest="a" * 64, user=outsider, expires_at=NOW - days("credentials", 1)
    )
    w["ticket_recent"] = WsTicket.objects.create(
        digest="b" * 64, user=outsider, expires_at=NOW - days("credentials", 0) + timedelta(hours=1)
    )
    w["presence_old"] = Presence.objects.create(
        room=room, user=outsider, channel_name="old", seen_at=NOW - days("credentials", 1)
    )
    w["presence_recent"] = Presence.objects.create(room=room, user=outsider, channel_name="new", seen_at=NOW)

    def attempt(model, age):
        row = model.objects.create(
            username=outsider.username, ip_address="10.0.0.1", user_agent=f"ua {age}", http_accept="*/*",
            path_info="/accounts/login/", **({"get_data": "", "post_data": "", "failures_since_start": 1}
                                              if model is AccessAttempt else {}),
        )  # fmt: skip
        model.objects.filter(pk=row.pk).update(attempt_time=NOW - age)
        return row

    w["attempt_old"] = attempt(AccessAttempt, days("sign_in_logs", 1))
    w["attempt_recent"] = attempt(AccessAttempt, days("sign_in_logs", -1))
    w["access_old"] = attempt(AccessLog, days("sign_in_logs", 1))
    return w


def claimant_name(dispute: Dispute) -> str:
    return dispute.claimant_name


def snapshot() -> dict:
    """Every row of every kind the task may touch, as stored, and every evidence file's bytes."""
    from django.core.files.storage import default_storage

    models = [Dispute, Evidence, Message, Notification, PhoneCode, Token, Session, WsTicket, Presence]
    rows = {m.__name__: {r["pk"]: r for r in m.objects.values("pk", *[f.attname for f in m._meta.concrete_fields])}
            for m in [*models, AccessAttempt, AccessLog]}  # fmt: skip
    rows["files"] = {e.file.name: default_storage.open(e.file.name).read() for e in Evidence.objects.all()}
    return rows


def test_every_expired_row_goes_and_every_other_row_stays_byte_for_byte(
    world, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    old, recent = world["old"], world["recent"]
    old_files = [Path(e.file.path) for e in Evidence.objects.filter(dispute=old)]
    assert old_files and all(p.exists() for p in old_files)
    before = snapshot()
    audit_before = AuditEntry.objects.count()

    old_seqs = list(Message.objects.filter(room__dispute=old).order_by("pk").values_list("room", "seq"))
    with django_capture_on_commit_callbacks(execute=True):
        counts = retention.apply(NOW)

    after = snapshot()
    # Expired: 100% gone or anonymised.
    old.refresh_from_db()
    assert old.anonymised_at == NOW
    assert (old.claimant_name, old.respondent_name) == (ANONYMISED_NAME, ANONYMISED_NAME)
    assert (old.claimant_phone, old.respondent_phone) == (
        REMOVED_PHONE["claimant"],
        REMOVED_PHONE["respondent"],
    )
    assert old.respondent_email == old.claimant_address == old.respondent_address == ""
    assert (old.claimant_phone_index, old.respondent_phone_index) == (
        blind_index(REMOVED_PHONE["claimant"]),
        blind_index(REMOVED_PHONE["respondent"]),
    )
    # ... the case's content and timeline stay.
    assert (old.title, old.description, old.state) == (
        "旧案",
        before["Dispute"][old.pk]["description"],
        "withdrawn",
    )
    assert old.events.count() > 0
    assert not Evidence.objects.filter(dispute=old).exists()
    assert not any(p.exists() for p in old_files)
    old_messages = Message.objects.filter(room__dispute=old)
    # The rows stay (the sequence stays gap-free), the words go.
    assert list(old_messages.order_by("pk").values_list("room", "seq")) == old_seqs
    assert len(old_seqs) >= 2 and set(old_messages.values_list("body", flat=True)) == {""}
    assert not Notification.objects.filter(pk__in=world["notices_expired"]).exists()
    for key in ("code_old", "ticket_old", "presence_old", "attempt_old", "access_old"):
        assert not type(world[key]).objects.filter(pk=world[key].pk).exists(), key
    assert not Token.objects.filter(pk=world["token_old"].pk).exists()
    assert not Session.objects.filter(session_key=world["session_old"]).exists()

    # Not expired: every other row and file exactly as before.
    changed = {"Dispute": {old.pk}, "Message": set(old_messages.values_list("pk", flat=True))}
    gone = {
        "Evidence": {pk for pk, r in before["Evidence"].items() if r["dispute_id"] == old.pk},
        "Notification": world["notices_expired"],
        "PhoneCode": {world["code_old"].pk}, "Token": {world["token_old"].pk},
        "Session": {world["session_old"]}, "WsTicket": {world["ticket_old"].pk},
        "Presence": {world["presence_old"].pk}, "AccessAttempt": {world["attempt_old"].pk},
        "AccessLog": {world["access_old"].pk},
    }  # fmt: skip
    for name, rows in before.items():
        if name == "files":
            continue
        expected = {
            pk: r for pk, r in rows.items() if pk not in changed.get(name, set()) | gone.get(name, set())
        }
        kept = {pk: r for pk, r in after[name].items() if pk not in changed.get(name, set())}
        assert kept == expected, name
    kept_files = {
        n: b
        for n, b in before["files"].items()
        if n not in {str(p.relative_to(settings.MEDIA_ROOT)) for p in old_files}
    }
    assert after["files"] == kept_files and len(kept_files) == 2
    assert all(default_storage.exists(n) for n in kept_files)
    assert Dispute.objects.get(pk=recent.pk).claimant_name == claimant_name(recent) != ANONYMISED_NAME

    assert counts == {
        "evidence": 1, "chat": len(old_seqs), "disputes": 1, "notifications": 2, "phone_codes": 1,
        "sign_in_logs": 2, "credentials": 4,
    }  # fmt: skip
    # One audit entry per kind with its count; nothing removed from the log, and it still verifies.
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.RETENTION).order_by("index")
    assert [(e.data["kind"], e.data["count"], e.actor_id) for e in entries] == [
        (kind, count, None) for kind, count in counts.items()
    ]
    assert AuditEntry.objects.count() == audit_before + len(counts)
    assert audit.verify()[1] is None


def test_a_second_run_finds_nothing_and_the_dry_run_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    untouched = snapshot()
    dry = retention.apply(NOW, dry_run=True)
    assert AuditEntry.objects.filter(action="retention").count() == 0
    assert snapshot() == untouched
    with django_capture_on_commit_callbacks(execute=True):
        real = retention.apply(NOW)
    assert dry == real and all(real.values())
    assert snapshot() != untouched
    again = snapshot()
    assert set(retention.apply(NOW).values()) == {0}
    assert snapshot() == again


def test_the_periods_count_from_the_clock_the_task_is_given(world):
    """The same world one day earlier: nothing is due yet (all rows sit at period + 1 day)."""
    counts = retention.apply(NOW - timedelta(days=1, seconds=1), dry_run=True)
    assert set(counts.values()) == {0}, counts


def test_the_command_reports_each_kind(world, capsys):
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    for kind in settings.RETENTION:
        assert kind in out
    assert "would be deleted or anonymised" in out
    assert Dispute.objects.get(pk=world["old"].pk).anonymised_at is None


def test_the_task_is_scheduled_daily_and_registered():
    from config.celery import app
    from mediation.tasks import apply_retention

    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry["task"] == apply_retention.name and entry["task"] in app.tasks
    assert entry["schedule"] == 24 * 3600.0
    assert set(settings.RETENTION) == set(retention.KINDS)
