"""The case file's part in the case page (called by MediationConfig.ready)."""

from __future__ import annotations

from . import panels


def register() -> None:
    from disputes import panels as dispute_panels

    dispute_panels.register("case_record", "record", panels.TEMPLATE, panels.record_context, order=10)
