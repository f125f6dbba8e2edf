"""Every existing dispute gets its two parties as rows (docs/features/parties.md): the
dispute's own claimant and respondent fields become its lead parties, nothing else changes."""

from django.db import migrations

SIDES = ("claimant", "respondent")


def lead_parties(apps, schema_editor):
    Dispute = apps.get_model("disputes", "Dispute")
    DisputeParty = apps.get_model("disputes", "DisputeParty")
    have = set(DisputeParty.objects.filter(position=0).values_list("dispute_id", "side"))
    batch = []
    for dispute in Dispute.objects.order_by("pk").iterator(chunk_size=500):
        for side in SIDES:
            if (dispute.pk, side) in have:
                continue
            batch.append(
                DisputeParty(
                    dispute_id=dispute.pk, side=side, position=0,
                    name=getattr(dispute, f"{side}_name"), phone=getattr(dispute, f"{side}_phone"),
                    address=getattr(dispute, f"{side}_address"),
                    email=dispute.respondent_email if side == "respondent" else "",
                    added_by_id=dispute.filed_by_id, added_at=dispute.created_at,
                )  # fmt: skip
            )
        if len(batch) >= 1000:
            DisputeParty.objects.bulk_create(batch)
            batch = []
    DisputeParty.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("disputes", "0021_parties")]

    operations = [migrations.RunPython(lead_parties, migrations.RunPython.noop)]
