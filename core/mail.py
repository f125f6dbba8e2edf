"""The default email backend: Django's file backend, one .eml file per message.

Django's own file backend appends every message of a connection to one log file; here
each message gets its own file under EMAIL_FILE_PATH (var/outbox/email/), named by the
notification's idempotency key when it has one, so a message sent twice is one file.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend
from django.utils import timezone


class FileEmailBackend(EmailBackend):
    def open(self) -> bool:
        """Each message is its own file: no shared log file to open (a sender that opens the
        connection once for a batch, as for SMTP, gets no stray `.log` file)."""
        return False

    def send_messages(self, email_messages) -> int:
        folder = Path(self.file_path)
        sent = 0
        for message in email_messages:
            key = message.extra_headers.get("X-Tiaojie-Key")
            name = key or f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
            tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            tmp.rename(folder / f"{name}.eml")
            sent += 1
        return sent
