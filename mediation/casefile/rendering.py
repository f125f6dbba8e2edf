"""Long documents (the case file, the referral letter) rendered off the request
(docs/security.md, "PDFs and long documents"; docs/features/casework.md).

A download asks for a render job keyed by (document, dispute, reader). The job runs as a Celery
task; WeasyPrint itself runs in a forked child with an address-space and CPU limit, which the
parent kills at the wall-clock limit. Jobs live as files under VAR_DIR/renders, so the web
process and the worker (separate processes in the embedded default) see the same state.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

# Limits of one render, overridable in settings: seconds of wall clock and CPU, and bytes of
# address space the child may add to what the worker already has mapped.
SECONDS = getattr(settings, "PDF_RENDER_SECONDS", 120)
MEMORY = getattr(settings, "PDF_RENDER_MEMORY", 1024 * 1024 * 1024)
RETRY_AFTER = 3  # seconds a client waits before asking again
STALE = 60  # a pending job older than SECONDS + STALE is lost (worker died): queued again


class RenderFailed(Exception):
    """The render ran past a limit or crashed; `reason` is "time", "memory" or "error"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _vm_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def render_limited(render, *, seconds: int | None = None, memory: int | None = None) -> bytes:
    """Call render() (returning bytes) in a forked child under the limits; raises RenderFailed."""
    seconds = seconds or SECONDS
    memory = memory or MEMORY
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no database, no return; its exit code says what happened
        code = 0
        try:
            os.close(read_fd)
            limit = _vm_bytes() + memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
            data = render()
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
        except MemoryError:
            code = 3
        except BaseException:  # noqa: BLE001 - the child reports any failure by its exit code
            code = 4
        os._exit(code)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    chunks, deadline, status = [], time.monotonic() + seconds, None
    try:
        while True:
            try:
                chunk = os.read(read_fd, 1 << 20)
                if chunk:
                    chunks.append(chunk)
                    continue
            except BlockingIOError:
                chunk = None
            done, status = os.waitpid(pid, os.WNOHANG)
            if done and chunk is not None:  # exited, and the pipe is drained (EOF)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise RenderFailed("time")
            time.sleep(0.02)
    finally:
        os.close(read_fd)
    if os.WIFSIGNALED(status):
        raise RenderFailed("time" if os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL) else "memory")
    code = os.WEXITSTATUS(status)
    if code:
        raise RenderFailed({3: "memory"}.get(code, "error"))
    return b"".join(chunks)


# --- jobs ------------------------------------------------------------------------------------------
@dataclass
class Job:
    folder: Path

    @property
    def meta(self) -> dict:
        try:
            return json.loads((self.folder / "job.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def write(self, **meta) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "job.json.tmp"
        tmp.write_text(json.dumps(meta))
        tmp.replace(self.folder / "job.json")

    @property
    def document(self) -> Path:
        return self.folder / "document.pdf"


def job_for(kind: str, dispute_id: int, reader_id: int) -> Job:
    key = hashlib.sha256(f"{kind}:{dispute_id}:{reader_id}".encode()).hexdigest()[:32]
    return Job(Path(settings.VAR_DIR) / "renders" / key)


def collect(kind: str, dispute_id: int, reader_id: int, enqueue) -> tuple[str, bytes | None, datetime | None]:
    """("ready", pdf, at) once and clears the job; ("pending", None, None) while rendering;
    ("failed", reason, None) once after a limit was hit. enqueue(at) queues a new render."""
    job = job_for(kind, dispute_id, reader_id)
    for _attempt in range(2):  # an eager Celery renders inside enqueue: look again
        meta = job.meta
        status = meta.get("status")
        if status == "ready" and job.document.exists():
            data = job.document.read_bytes()
            shutil.rmtree(job.folder, ignore_errors=True)
            return "ready", data, datetime.fromisoformat(meta["at"])
        if status == "failed":
            shutil.rmtree(job.folder, ignore_errors=True)
            return "failed", meta.get("reason", "error").encode(), None
        if status == "pending" and time.time() - meta.get("queued", 0) < SECONDS + STALE:
            if _attempt:
                break
            return "pending", None, None
        at = timezone.now()
        job.write(status="pending", at=at.isoformat(), queued=time.time())
        try:
            enqueue(at)
        except Exception:
            # The broker is down: no job waits, so the next ask queues it again (the view
            # answers 503 with Retry-After, core.unavailable).
            shutil.rmtree(job.folder, ignore_errors=True)
            raise
    return "pending", None, None


def finish(kind: str, dispute_id: int, reader_id: int, build_html) -> None:
    """The task's body: build_html(at) reads the database here; only WeasyPrint runs in the
    limited child. Then the job is marked ready or failed."""
    from ..settlements import pdf

    job = job_for(kind, dispute_id, reader_id)
    meta = job.meta
    if meta.get("status") != "pending":
        return  # already collected or superseded
    html = build_html(datetime.fromisoformat(meta["at"]))
    try:
        data = render_limited(lambda: pdf.render_html(html))
    except RenderFailed as failure:
        job.write(**{**meta, "status": "failed", "reason": failure.reason})
        return
    tmp = job.folder / "document.pdf.tmp"
    tmp.write_bytes(data)
    tmp.replace(job.document)
    job.write(**{**meta, "status": "ready"})
