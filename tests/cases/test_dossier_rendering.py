"""The case file renders off the request: 202 with Retry-After while it renders, the file when
ready, 503 with Retry-After when a render hits its time or memory limit."""

from __future__ import annotations

import time

import pytest

from disputes.models import DisputeEvent
from mediation.casefile import rendering, tasks

from .conftest import JOINT_LINES, flat, pdf_pages

pytestmark = pytest.mark.django_db


def dossier_url(dispute) -> str:
    return f"/api/v1/disputes/{dispute.pk}/dossier/"


@pytest.fixture(autouse=True)
def own_jobs(settings, tmp_path):
    """Each test its own job folder (ids repeat after a test's rollback)."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def queued(monkeypatch):
    """A worker that has not picked the task up yet: delay() only records the call."""
    calls = []
    monkeypatch.setattr(tasks.render_case_document, "delay", lambda *args: calls.append(args))
    return calls


def downloads(dispute) -> int:
    return DisputeEvent.objects.filter(dispute=dispute, transition="dossier_downloaded").count()


def test_the_download_answers_202_until_the_worker_has_rendered_it(
    escalated, street_handler, api, queued, tmp_path
):
    client = api(street_handler)
    first = client.get(dossier_url(escalated))
    assert first.status_code == 202
    assert first.json()["code"] == "rendering" and first["Retry-After"] == "3"
    # Asking again while it renders queues nothing new and records nothing.
    assert client.get(dossier_url(escalated)).status_code == 202
    assert len(queued) == 1 and downloads(escalated) == 0

    tasks.render_case_document(*queued[0])  # the worker runs it
    ready = client.get(dossier_url(escalated))
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    text = flat("".join(pdf_pages(ready.content, tmp_path)))
    assert JOINT_LINES[0] in text and "下载人：周街道" in text
    assert downloads(escalated) == 1
    # The file is handed out once: the next download is a new render with a new time.
    assert client.get(dossier_url(escalated)).status_code == 202 and len(queued) == 2


def test_another_reader_does_not_get_someone_elses_copy(escalated, street_handler, grid_worker, api, queued):
    api(street_handler).get(dossier_url(escalated))
    tasks.render_case_document(*queued[0])
    assert api(grid_worker).get(dossier_url(escalated)).status_code == 202
    assert downloads(escalated) == 0


def test_a_render_past_its_memory_limit_answers_503_retryable(escalated, street_handler, api, monkeypatch):
    monkeypatch.setattr(rendering, "MEMORY", 1)  # one byte more than the worker has: WeasyPrint cannot run
    response = api(street_handler).get(dossier_url(escalated))
    assert response.status_code == 503
    # Out of address space, WeasyPrint fails as MemoryError or inside its C libraries.
    assert response.json()["code"] == "render_failed" and response.json()["reason"] in ("memory", "error")
    assert response["Retry-After"] == "3" and downloads(escalated) == 0
    monkeypatch.setattr(rendering, "MEMORY", 1024 * 1024 * 1024)
    assert api(street_handler).get(dossier_url(escalated)).status_code == 200  # asking again works


def test_the_child_is_killed_at_the_time_limit():
    def forever() -> bytes:
        while True:
            pass

    start = time.monotonic()
    with pytest.raises(rendering.RenderFailed) as failure:
        rendering.render_limited(forever, seconds=1)
    assert failure.value.reason == "time" and time.monotonic() - start < 5


def test_the_child_cannot_grow_past_the_memory_limit():
    def greedy() -> bytes:
        return bytes(2 * 1024 * 1024 * 1024)

    with pytest.raises(rendering.RenderFailed) as failure:
        rendering.render_limited(greedy, seconds=10, memory=256 * 1024 * 1024)
    assert failure.value.reason == "memory"


def test_a_render_inside_the_limits_returns_its_bytes():
    assert rendering.render_limited(lambda: b"%PDF" + bytes(3 * 1024 * 1024), seconds=10)[:4] == b"%PDF"
