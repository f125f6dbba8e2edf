# The outbox address gets a blind index, so an account's deletion finds the SMS and email rows
# addressed to it (docs/personal-data-retention.md); existing rows are indexed in batches.

import core.fields
from django.db import migrations


def index(apps, schema_editor):
    from core.sealing import process_table

    process_table(apps.get_model("notifications", "Notification"), ["address"], {"address_index": "address"},
                  using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_crypto_seal_address'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='address_index',
            field=core.fields.BlindIndexField(db_index=True, source='address'),
        ),
        migrations.RunPython(index, migrations.RunPython.noop, elidable=False),
    ]
