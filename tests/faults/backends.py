"""The file backends of the outbox with a journal: what the fault suite's provider received.

The product's file backends name each message by its idempotency key, so a resend under the
same key overwrites, as a provider that de-duplicates would. These subclasses also append
the key to a journal (one line per send call, `TIAOJIE_FAULTS_JOURNAL`), so the checker sees
resends the files hide. A row listed in `TIAOJIE_FAULTS_DOOMED` (one notification id a line)
kills its whole worker with SIGKILL right after the provider accepted it and before the row is
recorded as sent, once per row: "a worker killed between sending and recording". While the file
`TIAOJIE_FAULTS_SLOW` exists, each message takes 50 ms, as a real provider's call does, so that
kills fall among the sends instead of after them.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from core.mail import FileEmailBackend
from core.sms import FileSmsBackend


def _journal(channel: str, key: str | None) -> None:
    path = os.environ.get("TIAOJIE_FAULTS_JOURNAL")
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, f"{channel} {key}\n".encode())
        finally:
            os.close(fd)


def _pace() -> None:
    slow = os.environ.get("TIAOJIE_FAULTS_SLOW")
    if slow and os.path.exists(slow):
        time.sleep(0.05)


def _die_if_doomed(key: str | None) -> None:
    doomed = os.environ.get("TIAOJIE_FAULTS_DOOMED")
    if not (doomed and key and Path(doomed).exists()):
        return
    row = key.rsplit("-n", 1)[-1]
    if row not in Path(doomed).read_text().split():
        return
    try:  # once per row: the marker is created exactly once
        os.close(os.open(f"{doomed}.{row}.killed", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return
    os.killpg(os.getpgid(0), signal.SIGKILL)


class JournalSmsBackend(FileSmsBackend):
    def send(self, *, to: str, body: str, key: str | None = None) -> str:
        _pace()
        message_id = super().send(to=to, body=body, key=key)
        _journal("sms", key)
        _die_if_doomed(key)
        return message_id


class JournalEmailBackend(FileEmailBackend):
    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            _pace()
            sent += super().send_messages([message])
            key = message.extra_headers.get("X-Tiaojie-Key")
            _journal("email", key)
            _die_if_doomed(key)
        return sent
