"""An upload racing a withdrawal, on PostgreSQL with real concurrent connections: the evidence
is either stored before the withdrawal commits or refused with 409, never stored after it,
and a refused upload leaves no file behind."""

import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from core import uploads
from disputes import services
from disputes.models import Dispute, Evidence
from tests import samples

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]


def test_an_upload_racing_a_withdrawal_never_lands_on_the_withdrawn_case(
    settings, tmp_path, dispute, claimant, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    inspecting = threading.Event()
    real_inspect = uploads.inspect

    def slow_inspect(data):
        inspecting.set()
        time.sleep(1.0)  # the withdrawal commits meanwhile
        return real_inspect(data)

    monkeypatch.setattr(uploads, "inspect", slow_inspect)
    seen = Dispute.objects.get(pk=dispute.pk)  # what the view read before the withdrawal
    result = {}

    def upload():
        try:
            result["value"] = services.add_evidence(
                seen, by=claimant, upload=samples.upload("a.png", samples.png())
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            result["value"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=upload)
    thread.start()
    assert inspecting.wait(10)
    services.fire(dispute.pk, "withdraw", by=claimant, payload={"reason": "和解了"})
    thread.join(30)
    assert isinstance(result["value"], services.ServiceError)
    assert result["value"].status == 409
    assert Dispute.objects.get(pk=dispute.pk).state == "withdrawn"
    assert not Evidence.objects.filter(dispute=dispute).exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
