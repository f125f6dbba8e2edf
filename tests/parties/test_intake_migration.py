"""The parties migrations on a database holding disputes in every state
(disputes.0021_parties, 0022_parties_from_disputes; docs/features/parties.md).

How: the world is seeded at HEAD through real transitions (timeline, rooms, chat messages,
a settlement signed by both parties and the mediator, plus parties added at intake), then
the database is migrated back to the migration before `disputes.0021_parties` (dropping the
parties' tables: 0021 only adds tables, so every other row is already in its old shape) and
forward again, which runs `0022.lead_parties` on the old rows. Every dispute must come back
with exactly its two lead parties, and nothing else may change.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from disputes.models import Dispute, DisputeEvent, DisputeParty
from disputes.parties import services as party_services
from mediation.models import Message, Room, Settlement, SettlementSignature
from mediation.settlements import signing
from tests import factories

BEFORE = [("disputes", "0020_related_indexes")]
STATES = [
    "filed", "rejected", "awaiting_response", "awaiting_mediator", "mediator_assigned", "in_mediation",
    "awaiting_signatures", "settled", "escalated", "case_handling", "closed", "withdrawn",
]  # fmt: skip


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def counts() -> dict:
    return {
        "disputes": Dispute.objects.count(),
        "events": DisputeEvent.objects.count(),
        "rooms": Room.objects.count(),
        "messages": Message.objects.count(),
        "settlements": Settlement.objects.count(),
        "signatures": SettlementSignature.objects.count(),
    }


def signed_files() -> dict:
    """Every sealed settlement's signed PDF, by settlement id."""
    found = {}
    for settlement in Settlement.objects.exclude(sealed_at=None):
        with settlement.pdf.open("rb") as f:
            found[settlement.pk] = f.read()
    return found


@pytest.fixture
def world(settings, categories, pki_dir, grid_worker, django_capture_on_commit_callbacks):
    """A copy of the demo database (`seed_demo`: disputes in every state, their timelines,
    rooms, messages and signed settlements), plus a party added at intake."""
    settings.TIAOJIE_AUTO_ASSIGN = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    disputes = list(Dispute.objects.order_by("pk"))
    assert {d.state for d in disputes} >= set(STATES)
    # Parties added at intake exist only in the new tables: they go with them.
    filed = next(d for d in disputes if d.state == "filed")  # no rooms: its caucus would go too
    party_services.add_party(
        filed, by=grid_worker, side="respondent", name="王五", phone=factories.next_phone()
    )
    return disputes


@pytest.mark.django_db(transaction=True)
def test_every_dispute_has_exactly_its_two_lead_parties_after_the_migrations(world):
    before = counts()
    assert before["messages"] > 0 and before["signatures"] >= 3
    leads = {
        d.pk: (d.claimant_name, d.claimant_phone, d.respondent_name, d.respondent_phone, d.respondent_email)
        for d in Dispute.objects.all()
    }
    signed_before = signed_files()
    assert signed_before

    migrate(BEFORE)
    assert "disputes_disputeparty" not in connection.introspection.table_names()
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert counts() == before
    assert DisputeParty.objects.count() == 2 * len(leads)
    for dispute in Dispute.objects.prefetch_related("parties"):
        parties = sorted(dispute.parties.all(), key=lambda p: p.side)
        assert [(p.side, p.position, p.kind) for p in parties] == [
            ("claimant", 0, "person"), ("respondent", 0, "person"),
        ]  # fmt: skip
        claimant, respondent = parties
        assert (claimant.name, claimant.phone, respondent.name, respondent.phone, respondent.email) == leads[
            dispute.pk
        ]
        assert claimant.phone_index == dispute.claimant_phone_index
        assert respondent.phone_index == dispute.respondent_phone_index
        assert dispute.events.exists()
    assert signed_files() == signed_before
    # The parties' signatures point at their lead party again (mediation's data migration).
    assert not SettlementSignature.objects.filter(role__in=["claimant", "respondent"], party=None).exists()
    for document in signed_before.values():
        assert signing.verify(document)["valid"] is True


@pytest.mark.django_db
def test_rerunning_the_data_migration_adds_nothing(world):
    from django.apps import apps

    module = __import__("disputes.migrations.0022_parties_from_disputes", fromlist=["lead_parties"])
    count = DisputeParty.objects.count()
    module.lead_parties(apps, None)
    assert DisputeParty.objects.count() == count
    # A dispute as it was before parties had rows (bulk_create skips Dispute.save).
    old = Dispute.objects.first()
    twin = Dispute(
        **{f.attname: getattr(old, f.attname) for f in Dispute._meta.concrete_fields if not f.primary_key}
    )
    twin.reference, twin.fingerprint = "TJ-2026-999999", "twin"
    (twin,) = Dispute.objects.bulk_create([twin])
    assert not DisputeParty.objects.filter(dispute=twin).exists()
    module.lead_parties(apps, None)
    assert DisputeParty.objects.count() == count + 2
    leads = {p.side: p for p in DisputeParty.objects.filter(dispute=twin)}
    assert leads["claimant"].phone == old.claimant_phone and leads["respondent"].name == old.respondent_name
