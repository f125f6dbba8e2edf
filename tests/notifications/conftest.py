"""Notification fixtures: the outbox of this test only, and helpers to read what was written."""

from __future__ import annotations

import json
import re

import pytest

from notifications.models import Notification
from tests import factories


@pytest.fixture(autouse=True)
def own_outbox(settings, tmp_path):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox" / "email")
    settings.SITE_URL = "https://tiaojie.example.cn"


@pytest.fixture
def stranger_dispute(regions, claimant):
    """A dispute whose respondent has no account: reached by phone and email only."""
    return factories.file_dispute(
        claimant, regions["grid1"], "13999990000", respondent_name="陈七", respondent_email="chen@example.cn"
    )


def sent(kind: str | None = None, **filters) -> list[Notification]:
    # The address is encrypted at rest (docs/personal-data-encryption.md): compared here, not in SQL.
    address = filters.pop("address", None)
    rows = Notification.objects.filter(**filters).select_related("user").order_by("id")
    return [r for r in rows if (kind is None or r.kind == kind) and (address is None or r.address == address)]


def who(kind: str, **filters) -> set[tuple[str, str]]:
    """{(username or address, channel)} told of an event."""
    return {(r.user.username if r.user else r.address, r.channel) for r in sent(kind, **filters)}


def sms_files(outbox_dir) -> list[dict]:
    folder = outbox_dir / "sms"
    out = []
    for f in sorted(folder.glob("*.json")) if folder.exists() else []:
        message = json.loads(f.read_text(encoding="utf-8"))
        match = re.search(r"-n(\d+)$", f.stem)
        message["notification"] = int(match.group(1)) if match else None
        out.append(message)
    return out
