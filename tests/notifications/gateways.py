"""An SMS backend for tests with a real worker (named by TIAOJIE_SMS_BACKEND)."""

from __future__ import annotations

import time

from core.sms import FileSmsBackend


class SlowSms(FileSmsBackend):
    """Takes 50 ms a message, as an HTTP SMS provider does, then writes the file: a worker
    killed during a burst is killed with rows in hand."""

    def send(self, **kwargs) -> str:
        time.sleep(0.05)
        return super().send(**kwargs)
