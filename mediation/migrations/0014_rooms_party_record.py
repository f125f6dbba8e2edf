"""One caucus per party (docs/features/parties.md): caucus rooms name their party, and every
existing caucus belongs to its side's lead party."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def link_caucus_rooms(apps, schema_editor):
    Room = apps.get_model("mediation", "Room")
    DisputeParty = apps.get_model("disputes", "DisputeParty")
    lead = DisputeParty.objects.filter(dispute_id=OuterRef("dispute_id"), side=OuterRef("party"), position=0)
    Room.objects.filter(kind="caucus", party_record__isnull=True).update(
        party_record=Subquery(lead.values("pk")[:1])
    )


def unlink_caucus_rooms(apps, schema_editor):
    Room = apps.get_model("mediation", "Room")
    Room.objects.exclude(party_record__position=0).filter(kind="caucus").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0022_parties_from_disputes"),
        ("mediation", "0013_signing_parties"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="room", name="one_room_per_kind_and_party"),
        migrations.RemoveConstraint(model_name="room", name="caucus_rooms_name_a_party"),
        migrations.AddField(
            model_name="room",
            name="party_record",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="caucus_rooms",
                to="disputes.disputeparty",
            ),
        ),
        migrations.RunPython(link_caucus_rooms, unlink_caucus_rooms),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "joint")), fields=("dispute",), name="one_joint_room_per_dispute"
            ),
        ),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "caucus")), fields=("party_record",), name="one_caucus_per_party"
            ),
        ),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "joint"), ("party", ""), ("party_record__isnull", True)),
                    models.Q(
                        ("kind", "caucus"),
                        ("party__in", ["claimant", "respondent"]),
                        ("party_record__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="caucus_rooms_name_a_party",
            ),
        ),
    ]
