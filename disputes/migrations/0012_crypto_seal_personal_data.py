# Party phones and addresses sealed at rest, phones found by a blind index
# (docs/personal-data-encryption.md); see accounts 0007_crypto_seal_personal_data for the steps.

import importlib

import core.fields
from django.db import migrations, models

COLUMNS = ["claimant_phone", "respondent_phone", "claimant_address", "respondent_address"]
INDEXES = {"claimant_phone_index": "claimant_phone", "respondent_phone_index": "respondent_phone"}


def restore_sqlite_tally_triggers(apps, schema_editor):
    """SQLite changes a column's type by rebuilding the table, which drops its triggers: the
    cockpit's tally triggers (0010) go back on. The tallies themselves are untouched."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    tallies = importlib.import_module("disputes.migrations.0010_cockpit_tallies")
    for sql in tallies.SQLITE_UNINSTALL:
        schema_editor.execute(sql.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"))
    for sql in tallies.sqlite_statements(connection, tallies.SQLITE_INSTALL[:3]):
        schema_editor.execute(sql)


def seal(apps, schema_editor):
    from core.sealing import process_table

    process_table(apps.get_model("disputes", "Dispute"), COLUMNS, INDEXES, allow_plaintext=True,
                  using=schema_editor.connection.alias)


def unseal(apps, schema_editor):
    from core.sealing import process_table

    process_table(apps.get_model("disputes", "Dispute"), COLUMNS, INDEXES, unseal=True,
                  using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_crypto_seal_personal_data'),
        ('disputes', '0011_info_request_reminders'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_tally_triggers),
        migrations.RemoveConstraint(model_name='dispute', name='parties_differ'),
        migrations.AddField(
            model_name='dispute',
            name='claimant_phone_index',
            field=core.fields.BlindIndexField(db_index=True, source='claimant_phone'),
        ),
        migrations.AddField(
            model_name='dispute',
            name='respondent_phone_index',
            field=core.fields.BlindIndexField(db_index=True, source='respondent_phone'),
        ),
        migrations.AlterField(model_name='dispute', name='claimant_address', field=models.TextField(blank=True)),
        migrations.AlterField(model_name='dispute', name='claimant_phone', field=models.TextField()),
        migrations.AlterField(model_name='dispute', name='respondent_address', field=models.TextField(blank=True)),
        migrations.AlterField(model_name='dispute', name='respondent_phone', field=models.TextField()),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.AlterField(
            model_name='dispute',
            name='claimant_address',
            field=core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='claimant address'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='claimant_phone',
            field=core.fields.EncryptedTextField(max_length=20, verbose_name='claimant phone'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='respondent_address',
            field=core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='respondent address'),
        ),
        migrations.AlterField(
            model_name='dispute',
            name='respondent_phone',
            field=core.fields.EncryptedTextField(max_length=20, verbose_name='respondent phone'),
        ),
        migrations.AddConstraint(
            model_name='dispute',
            constraint=models.CheckConstraint(condition=models.Q(('claimant_phone_index', models.F('respondent_phone_index')), _negated=True), name='parties_differ'),
        ),
        migrations.RunPython(restore_sqlite_tally_triggers, migrations.RunPython.noop),
    ]
