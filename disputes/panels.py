"""Panels other apps put on the dispute pages, so that disputes never loads their template tags.

A slot is a named place on a disputes page:

- "dispute": the dispute page's main column, after the requests for information;
- "case_record": the case page, after the evidence (the record of the mediation).

register(slot, name, template, context_fn, order) adds a panel to a slot (typically from an
AppConfig.ready()); `{% panels "slot" dispute %}` (disputes/templatetags/panel_tags.py)
renders the slot's panels by `order`, then registration. context_fn(request, dispute)
returns the template's context, or None when the panel has nothing to show; the template
also gets `request` and `dispute`. Registering the same (slot, name) again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SLOTS = ("dispute", "case_record")


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable  # (request, dispute) -> dict | None
    order: int


PANELS: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}


def register(slot: str, name: str, template: str, context_fn: Callable, order: int = 100) -> None:
    if slot not in PANELS:
        raise ValueError(f"No panel slot {slot!r} on the dispute pages (slots: {', '.join(SLOTS)})")
    panels = [p for p in PANELS[slot] if p.name != name]
    panels.append(Panel(name, template, context_fn, order))
    PANELS[slot] = sorted(panels, key=lambda p: p.order)  # stable: registration order kept


def panels_in(slot: str) -> list[Panel]:
    return PANELS.get(slot, [])
