from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Region, StaffRole, User
from disputes.management import demo_data
from disputes.models import Dispute, DisputeEvent

pytestmark = pytest.mark.django_db

# Every state a dispute can reach with the transitions that exist so far.
REACHABLE = {
    "filed", "rejected", "awaiting_response", "awaiting_mediator", "mediator_assigned",
    "in_mediation", "awaiting_signatures", "settled", "escalated", "case_handling", "closed", "withdrawn",
}  # fmt: skip


def database_state() -> dict:
    return {
        "regions": list(Region.objects.values_list("id", "name", "name_en", "kind", "path")),
        "users": list(User.objects.values_list("id", "username", "password", "phone", "full_name")),
        "roles": list(StaffRole.objects.values_list("user__username", "role", "region__name")),
        "disputes": list(Dispute.objects.values_list("id", "state", "due_at", "mediator_id", "level")),
        "events": DisputeEvent.objects.count(),
    }


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    # Run what the seed schedules after commit too (tasks are eager in tests): nothing it
    # leaves behind may move the demo disputes on.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())


def test_seed_demo_twice_changes_nothing(seeded):
    before = database_state()
    call_command("seed_demo", stdout=StringIO())
    assert database_state() == before


def test_seed_demo_builds_the_region_tree(seeded):
    kinds = Counter(Region.objects.values_list("kind", flat=True))
    assert kinds == {"district": 1, "street": 2, "community": 4, "grid": 8}
    assert not Region.objects.filter(name_en="").exists()
    street1, street2 = Region.objects.filter(kind="street").order_by("id")
    assert Region.objects.filter(kind="grid", path__startswith=street1.path).count() == 4
    assert Region.objects.filter(kind="grid", path__startswith=street2.path).count() == 4


def test_every_demo_account_signs_in_with_the_demo_password(seeded):
    usernames = (
        ["admin", "handler1", "handler2"]
        + [f"grid{i}" for i in range(1, 9)]
        + [f"mediator{i}" for i in range(1, 7)]
        + [f"resident{i}" for i in range(1, 21)]
    )
    assert User.objects.count() == len(usernames)
    for username in usernames:
        assert authenticate(username=username, password=demo_data.PASSWORD) is not None, username
    assert User.objects.get(username="admin").is_superuser
    phones = list(User.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    assert not User.objects.filter(full_name="").exists()
    assert User.objects.filter(username__startswith="resident", phone_verified=True).count() == 20


def test_every_grid_has_a_grid_worker_and_mediators(seeded):
    for grid in Region.objects.filter(kind="grid"):
        holders = Counter(
            role
            for role, path in StaffRole.objects.values_list("role", "region__path")
            if grid.path.startswith(path)
        )
        assert holders["grid_worker"] == 1, grid
        assert holders["mediator"] >= 1, grid
        assert holders["case_handler"] >= 1, grid


def test_seed_demo_has_several_disputes_in_every_reachable_state(seeded):
    states = Counter(Dispute.objects.values_list("state", flat=True))
    assert set(states) == REACHABLE
    assert all(count >= 3 for count in states.values()), states
    assert Dispute.objects.values("grid").distinct().count() == 8
    assert Dispute.objects.values("category").distinct().count() == 7


def test_seeded_disputes_have_the_timeline_real_transitions_leave(seeded):
    for dispute in Dispute.objects.all():
        events = list(dispute.events.order_by("at", "id"))
        assert events[0].transition == "file"
        assert events[-1].to_state == dispute.state
        for earlier, later in zip(events, events[1:], strict=False):
            assert later.from_state == earlier.to_state
    parties = Dispute.objects.values_list("claimant_phone", "respondent_phone")
    residents = set(User.objects.filter(username__startswith="resident").values_list("phone", flat=True))
    assert all(c in residents and r in residents and c != r for c, r in parties)
