"""Delivery: after commit, once per row however often the task runs, retried with backoff,
swept up when the broker or a worker lost it; preferences and the notices they cannot stop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from disputes import services
from notifications import tasks
from notifications.models import Notification
from notifications.services import set_preference

from .conftest import sent, sms_files

pytestmark = pytest.mark.django_db
SENT_BY = []


class CountingSms:
    """Counts real sends, so a second send could not hide behind a file being overwritten."""

    def send(self, *, to, body, key=None):
        SENT_BY.append((to, key))
        return key


class FailingSms:
    def send(self, *, to, body, key=None):
        raise ConnectionError("SMS gateway unreachable")


@pytest.fixture
def counting(settings):
    SENT_BY.clear()
    settings.SMS_BACKEND = "tests.notifications.test_delivery.CountingSms"
    return SENT_BY


def test_sms_and_email_go_out_after_commit(
    stranger_dispute, grid_worker, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    stranger_dispute.refresh_from_db()
    messages = [m for m in sms_files(settings.OUTBOX_DIR) if m["to"] == "13999990000"]
    assert len(messages) == 1
    body = messages[0]["body"]
    assert body.startswith("【调解】") and stranger_dispute.reference in body
    assert f"https://tiaojie.example.cn/disputes/{stranger_dispute.pk}/" in body
    emails = [m for m in mail.outbox if m.to == ["chen@example.cn"]]
    assert len(emails) == 1 and emails[0].subject == f"{stranger_dispute.reference} 调解邀请"
    assert "查看详情" in emails[0].body and emails[0].extra_headers["X-Tiaojie-Notification"]
    assert all(r.status == "sent" and r.attempts == 1 for r in sent("accept") if r.channel != "in_app")


def test_nothing_is_sent_when_the_change_rolls_back(
    stranger_dispute, grid_worker, settings, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.fire(stranger_dispute.pk, "accept", by=grid_worker)
            raise RuntimeError
    assert (
        not callbacks
        and not sms_files(settings.OUTBOX_DIR)
        and not Notification.objects.filter(kind="accept")
    )


def test_the_task_run_twice_sends_once(stranger_dispute, grid_worker, counting):
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)  # on_commit not run: rows pending
    row = sent("accept", channel="sms", address="13999990000")[0]
    assert row.status == "pending"
    tasks.deliver.delay(row.pk)
    tasks.deliver.delay(row.pk)  # a redelivered task
    row.refresh_from_db()
    assert counting == [("13999990000", f"{row.created_at:%Y%m%dT%H%M%S%f}-n{row.pk}")]
    assert row.status == "sent" and row.attempts == 1 and row.sent_at


def test_the_file_backends_write_one_file_per_notification(stranger_dispute, grid_worker, settings):
    from notifications import delivery

    settings.EMAIL_BACKEND = "core.mail.FileEmailBackend"
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    sms_row = sent("accept", channel="sms", address="13999990000")[0]
    email_row = sent("accept", channel="email")[0]
    for _ in range(2):  # a worker killed after sending but before recording it sends again
        delivery.send(sms_row)
        delivery.send(email_row)
    assert [m["notification"] for m in sms_files(settings.OUTBOX_DIR)] == [sms_row.pk]
    files = list((settings.OUTBOX_DIR / "email").glob("*.eml"))
    assert len(files) == 1
    text = files[0].read_text()
    assert f"X-Tiaojie-Notification: {email_row.pk}" in text and "To: chen@example.cn" in text


def test_a_failure_is_retried_with_backoff_then_marked_failed(stranger_dispute, grid_worker, settings):
    settings.SMS_BACKEND = "tests.notifications.test_delivery.FailingSms"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    row = sent("accept", channel="sms", address="13999990000")[0]
    before = timezone.now()
    tasks.deliver.delay(row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "ConnectionError: SMS gateway unreachable"
    assert row.next_attempt_at >= before + timedelta(seconds=settings.NOTIFY_RETRY_BASE)
    tasks.deliver.delay(row.pk)  # not due yet: nothing happens
    row.refresh_from_db()
    assert row.attempts == 1
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    tasks.deliver.delay(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 2


def test_the_sweeper_queues_rows_the_broker_never_got(stranger_dispute, grid_worker, counting, settings):
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    rows = sent("accept", status="pending")
    assert len(rows) == 3  # SMS and email to the respondent, SMS to the claimant
    assert tasks.sweep.delay().get() == 0  # just queued: the first delivery may still be on its way
    Notification.objects.filter(status="pending").update(
        queued_at=timezone.now() - timedelta(seconds=settings.NOTIFY_SWEEP_GRACE + 1)
    )
    assert tasks.sweep.delay().get() == 3
    assert {r.status for r in sent("accept")} == {"sent"}
    assert len(counting) == 2 and len(mail.outbox) == 1
    assert tasks.sweep.delay().get() == 0


def test_the_sweeper_takes_back_rows_of_a_worker_that_died(stranger_dispute, grid_worker, counting):
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    row = sent("accept", channel="sms", address="13999990000")[0]
    past = timezone.now() - timedelta(seconds=1)
    Notification.objects.filter(pk=row.pk).update(status="sending", attempts=1, lease_until=past)
    Notification.objects.exclude(pk=row.pk).update(status="sent")
    assert tasks.sweep.delay().get() == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and len(counting) == 1


def test_a_claimed_row_is_not_sent_by_a_second_worker(stranger_dispute, grid_worker, counting):
    from notifications import delivery

    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    row = sent("accept", channel="sms", address="13999990000")[0]
    assert delivery.claim([row.pk], token="another-task")  # another worker is sending it now
    tasks.deliver.delay(row.pk)
    assert counting == []


def test_the_rows_of_one_commit_go_out_together_in_batches(
    stranger_dispute, grid_worker, counting, settings, django_capture_on_commit_callbacks
):
    from celery.signals import task_prerun

    settings.NOTIFY_BATCH = 2
    batches = []

    def record(sender=None, args=None, **_kwargs):
        if sender.name == tasks.deliver.name:
            batches.append(args[0])

    task_prerun.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            services.fire(stranger_dispute.pk, "accept", by=grid_worker)
            services.record_event(stranger_dispute, "sla_reminder", None, notify=[grid_worker])
    finally:
        task_prerun.disconnect(record)
    rows = [r.pk for r in sent() if r.channel != "in_app" and r.kind in ("accept", "sla_reminder")]
    # Two notices, four SMS and email rows (respondent SMS and email, claimant SMS, grid worker
    # SMS): one commit, so two tasks of two rows, in the order they were written.
    assert len(rows) == 4 and batches == [rows[:2], rows[2:]]
    assert {r.status for r in sent() if r.pk in rows} == {"sent"} and len(counting) == 3


def test_a_task_run_again_after_its_process_died_takes_back_its_rows(stranger_dispute, grid_worker, counting):
    from notifications import delivery

    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    row = sent("accept", channel="sms", address="13999990000")[0]
    assert delivery.claim([row.pk], token="task-1")  # then its pool process was killed
    tasks.deliver.apply(args=([row.pk],), task_id="task-2")  # another task: not its row
    assert counting == []
    tasks.deliver.apply(args=([row.pk],), task_id="task-1")  # the same task, redelivered
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and len(counting) == 1


# --- preferences ------------------------------------------------------------------------------------
def test_preferences_turn_off_sms_and_email_for_ordinary_notices(dispute, advance, claimant):
    claimant.email = "zhang@example.cn"
    claimant.save()
    set_preference(claimant, sms=False, email=False)
    advance(dispute, "in_mediation")
    assert {r.channel for r in sent("mediator_accept", user=claimant)} == {"in_app"}
    assert {r.channel for r in sent("respondent_accept", user=claimant)} == {"in_app"}


def test_legal_notices_cannot_be_turned_off(dispute, advance, claimant, respondent, mediator):
    for user in (claimant, respondent):
        user.email = f"{user.username}@example.cn"
        user.save()
        set_preference(user, sms=False, email=False)
    advance(dispute, "awaiting_signatures")
    for user in (claimant, respondent):
        rows = sent("propose_settlement", user=user)
        assert {r.channel for r in rows} == {"in_app", "sms", "email"} and all(r.legal for r in rows)
    assert {r.channel for r in sent("accept", user=respondent)} == {"in_app", "sms", "email"}
    services.record_event(dispute, "sla_breach", None, notify=[claimant])
    assert {r.channel for r in sent("sla_breach", user=claimant)} == {"in_app", "sms", "email"}
    services.record_event(dispute, "judicial_reminder", None, notify=[claimant])
    assert {r.channel for r in sent("judicial_reminder", user=claimant)} == {"in_app", "sms", "email"}
    services.record_event(dispute, "sla_reminder", None, notify=[claimant])
    assert {r.channel for r in sent("sla_reminder", user=claimant)} == {"in_app"}


def test_email_and_sms_in_the_recipients_language(
    dispute, grid_worker, respondent, settings, django_capture_on_commit_callbacks
):
    respondent.language = "en"
    respondent.email = "li@example.com"
    respondent.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.fire(dispute.pk, "accept", by=grid_worker)
    email = next(m for m in mail.outbox if m.to == ["li@example.com"])
    assert email.subject.endswith("invitation to mediation") and email.body.startswith("Hello,")
    assert f"See the details: https://tiaojie.example.cn/disputes/{dispute.pk}/" in email.body
    text = next(m for m in sms_files(settings.OUTBOX_DIR) if m["to"] == respondent.phone)["body"]
    assert text.startswith("[Tiaojie] ") and "answer by" in text


def test_admin_shows_status_attempts_and_last_error(client, stranger_dispute, grid_worker, settings):
    from accounts.models import User

    settings.SMS_BACKEND = "tests.notifications.test_delivery.FailingSms"
    services.fire(stranger_dispute.pk, "accept", by=grid_worker)
    row = sent("accept", channel="sms", address="13999990000")[0]
    tasks.deliver.delay(row.pk)
    admin = User.objects.create_superuser("root", "root@example.cn", "pw-123456-long")
    client.force_login(admin)
    listing = client.get("/admin/notifications/notification/?status=pending").content.decode()
    assert "139****0000" in listing and "13999990000" not in listing and "pending" in listing.lower()
    detail = client.get(f"/admin/notifications/notification/{row.pk}/change/").content.decode()
    assert "SMS gateway unreachable" in detail
