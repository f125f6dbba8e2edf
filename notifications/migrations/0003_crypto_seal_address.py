# The outbox's recipient address (a phone or an email) sealed at rest
# (docs/personal-data-encryption.md); see accounts 0007_crypto_seal_personal_data for the steps.

import core.fields
from django.db import migrations, models


def seal(apps, schema_editor):
    from core.sealing import process_table

    process_table(apps.get_model("notifications", "Notification"), ["address"], allow_plaintext=True,
                  using=schema_editor.connection.alias)


def unseal(apps, schema_editor):
    from core.sealing import process_table

    process_table(apps.get_model("notifications", "Notification"), ["address"], unseal=True,
                  using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_notification_claimed_by'),
    ]

    operations = [
        migrations.AlterField(model_name='notification', name='address', field=models.TextField(blank=True)),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.AlterField(
            model_name='notification',
            name='address',
            field=core.fields.EncryptedTextField(blank=True, max_length=254, verbose_name='address'),
        ),
    ]
