"""The sessions' part in the dispute pages and notices (called by MediationConfig.ready)."""

from __future__ import annotations

from . import panels, texts


def register() -> None:
    from disputes import panels as dispute_panels
    from notifications.texts import TEXTS

    TEXTS.update(texts.TEXTS)
    dispute_panels.register("dispute", "sessions", panels.TEMPLATE, panels.panel_context, order=15)
