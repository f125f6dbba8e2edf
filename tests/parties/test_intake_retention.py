"""Removing a dispute's personal data removes every party's and representative's
(docs/personal-data-retention.md, docs/features/parties.md)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from disputes import retention, services
from disputes.models import Dispute, DisputeParty, Representative
from disputes.parties import services as party_services
from tests import factories, samples

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def many_parties(dispute, grid_worker) -> list[Path]:
    org = party_services.add_party(dispute, by=grid_worker, side="respondent", name="宝石物业有限公司",
                                   phone=factories.next_phone(), kind="organisation", uscc=USCC,
                                   contact_name="陈经理", address="北京市朝阳区建国路88号")  # fmt: skip
    co = party_services.add_party(
        dispute, by=grid_worker, side="claimant", name="业主乙", phone=factories.next_phone()
    )
    files = []
    for party, kind in ((org, "agent"), (co, "guardian")):
        rep = party_services.add_representative(
            party, by=grid_worker, kind=kind, relation="relative", name="代理人", phone=factories.next_phone(),
            authorisation=samples.pdf(), filename="委托书.pdf",
        )  # fmt: skip
        files.append(Path(rep.authorisation.path))
    return files


def test_anonymising_a_dispute_anonymises_every_party_and_representative(
    dispute, grid_worker, claimant, django_capture_on_commit_callbacks
):
    files = many_parties(dispute, grid_worker)
    assert all(f.exists() for f in files)
    services.fire(dispute.pk, "reject", by=grid_worker, payload={"reason": "不属于调解范围"})
    now = timezone.now()
    Dispute.objects.filter(pk=dispute.pk).update(
        closed_at=now - timedelta(days=settings.RETENTION["disputes"] + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.anonymise_disputes(now, dry_run=False, batch=10) == 1
    parties = list(DisputeParty.objects.filter(dispute=dispute))
    assert len(parties) == 4
    for party in parties:
        assert party.name == retention.ANONYMISED_NAME
        assert party.phone.startswith("-") and not party.address and not party.uscc and not party.contact_name
    assert len({p.phone_index for p in parties}) == 4
    for rep in Representative.objects.filter(party__dispute=dispute):
        assert rep.name == retention.ANONYMISED_NAME and rep.phone.startswith("-") and not rep.authorisation
    assert not any(f.exists() for f in files)
    dispute.refresh_from_db()
    assert dispute.claimant_name == retention.ANONYMISED_NAME and dispute.anonymised_at is not None


def test_an_open_dispute_keeps_its_parties(dispute, grid_worker):
    many_parties(dispute, grid_worker)
    assert retention.anonymise_disputes(timezone.now(), dry_run=False, batch=10) == 0
    assert not DisputeParty.objects.filter(name=retention.ANONYMISED_NAME).exists()


def test_deleting_an_account_removes_its_party_rows_on_ended_disputes(dispute, grid_worker, claimant):
    contact = factories.UserFactory()
    party_services.add_party(dispute, by=grid_worker, side="respondent", name="某公司", phone=contact.phone,
                             kind="organisation", uscc=USCC)  # fmt: skip
    services.fire(dispute.pk, "reject", by=grid_worker, payload={"reason": "不属于调解范围"})
    retention.remove_party(contact)
    party = DisputeParty.objects.get(dispute=dispute, position=1)
    assert party.name == retention.DELETED_NAME and party.phone.startswith("-")
    assert DisputeParty.objects.get(dispute=dispute, side="claimant").name == "张三"
