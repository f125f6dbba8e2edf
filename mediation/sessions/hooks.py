"""The sessions' part in the dispute pages and notices (called by MediationConfig.ready)."""

from __future__ import annotations

from . import demo, panels, texts


def register() -> None:
    from disputes import hooks as dispute_hooks
    from disputes import panels as dispute_panels
    from notifications.texts import TEXTS

    TEXTS.update(texts.TEXTS)
    dispute_panels.register("dispute", "sessions", panels.TEMPLATE, panels.panel_context, order=15)
    dispute_hooks.DEMO.append(demo.seed_sessions)
