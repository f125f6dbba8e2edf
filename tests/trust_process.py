"""The trust services' process (config/trust_asgi.py) for tests: daphne on a free port, with the
suite's PKI and publication folder (docs/features/trust-services.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.stack_harness import ROOT, free_port, wait_for_port


def _die_with_parent() -> None:
    """A killed test run leaves no trust process behind (Linux: PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except OSError:
        pass


class TrustProcess:
    def __init__(self, pki_dir: Path, publish_dir: Path, log: Path, port: int | None = None):
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.tsa_url = f"{self.base_url}/tsa/"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings_test"),
            "TIAOJIE_PKI_DIR": str(pki_dir),
            "TIAOJIE_TRUST_PUBLISH_DIR": str(publish_dir),
            "TIAOJIE_PKI_BASE_URL": self.base_url,
            "TIAOJIE_TSA_URL": self.tsa_url,
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> TrustProcess:
        daphne = Path(sys.executable).parent / "daphne"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "config.trust_asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        wait_for_port(self.port, timeout=60, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
