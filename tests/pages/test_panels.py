"""The dispute pages' panel registry: other apps' panels, in order, without their tags."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from disputes import panels

pytestmark = pytest.mark.django_db

DEADLINE = "disputes/_deadline.html"


@pytest.fixture
def own_slot(monkeypatch):
    monkeypatch.setitem(panels.PANELS, "dispute", [])


def render(dispute, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% load panel_tags %}{% panels "dispute" dispute %}')
    return template.render(Context({"request": request, "dispute": dispute}))


def test_panels_render_by_order_and_a_panel_without_context_is_left_out(own_slot, dispute, claimant):
    due = timezone.now()
    panels.register("dispute", "second", DEADLINE, lambda r, d: {"kind": "overdue", "due": due}, order=20)
    panels.register("dispute", "first", DEADLINE, lambda r, d: {"kind": "later", "due": due}, order=10)
    assert [p.name for p in panels.panels_in("dispute")] == ["first", "second"]
    html = render(dispute, claimant)
    assert html.index("badge-due") < html.index("badge-overdue")
    panels.register("dispute", "second", DEADLINE, lambda r, d: None, order=20)
    assert [p.name for p in panels.panels_in("dispute")] == ["first", "second"]  # replaced, not added
    html = render(dispute, claimant)
    assert "badge-due" in html and "badge-overdue" not in html


def test_an_unknown_slot_is_refused():
    with pytest.raises(ValueError):
        panels.register("nowhere", "x", DEADLINE, lambda r, d: {})


def test_mediation_fills_the_dispute_and_case_record_slots():
    assert [p.name for p in panels.panels_in("dispute")] == [
        "mediation",
        "sessions",
        "settlement",
        "judicial",
    ]
    assert [p.name for p in panels.panels_in("case_record")] == ["record"]
