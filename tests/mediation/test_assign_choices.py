"""The dispute page's assign form offers exactly the mediators assignment accepts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ServiceError
from disputes import hooks, services
from disputes.forms import payload_form
from mediation.pool import ranking
from tests import factories

pytestmark = pytest.mark.django_db


def offered(dispute) -> list:
    choices = payload_form(dispute, "assign_mediator").fields["mediator"].choices
    return [value for value, _label in choices if value not in ("", "auto")]


def test_the_form_offers_no_mediator_the_resolver_refuses_and_every_one_it_accepts(
    awaiting, make_mediator, grid_worker, claimant, regions
):
    today = timezone.localdate()
    eligible = make_mediator()
    on_leave = make_mediator(
        on_leave_from=today - timedelta(days=1), on_leave_until=today + timedelta(days=3)
    )
    conflicted = make_mediator()
    factories.file_dispute(conflicted, regions["grid2"], claimant.phone)  # a past dispute with the claimant
    result = ranking.rank(awaiting)
    assert {c.user_id for c in result.ineligible} >= {on_leave.pk, conflicted.pk}

    choices = offered(awaiting)
    assert eligible.pk in choices
    assert on_leave.pk not in choices and conflicted.pk not in choices
    assert choices == [c.user_id for c in result.eligible]  # best-ranked first

    for refused in (on_leave, conflicted):
        with pytest.raises(ServiceError) as refusal:
            services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": refused.pk})
        assert refusal.value.code == "invalid" and refusal.value.field == "mediator"
    services.fire(awaiting.pk, "assign_mediator", by=grid_worker, payload={"mediator": eligible.pk})
    awaiting.refresh_from_db()
    assert awaiting.mediator_id == eligible.pk


def test_the_form_offers_no_mediator_when_no_app_registers_the_choices(awaiting, make_mediator, monkeypatch):
    make_mediator()
    monkeypatch.delitem(hooks.CHOICES, "mediator")
    assert offered(awaiting) == []
