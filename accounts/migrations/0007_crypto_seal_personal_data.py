# Phones, ID numbers and addresses sealed at rest, phones found by a blind index
# (docs/personal-data-encryption.md). The columns become text first (a sealed phone is ~64
# characters), existing rows are sealed in batches, then the fields become EncryptedTextField
# (no schema change). Reversible: going back opens every value and drops the indexes.

import accounts.phones
import core.fields
from django.db import migrations, models


def seal(apps, schema_editor):
    from core.sealing import process_table

    using = schema_editor.connection.alias
    process_table(apps.get_model("accounts", "User"), ["phone", "id_number", "address"],
                  {"phone_index": "phone"}, allow_plaintext=True, using=using)
    process_table(apps.get_model("accounts", "PhoneCode"), ["phone"], {"phone_index": "phone"},
                  allow_plaintext=True, using=using)


def unseal(apps, schema_editor):
    from core.sealing import process_table

    using = schema_editor.connection.alias
    process_table(apps.get_model("accounts", "User"), ["phone", "id_number", "address"],
                  {"phone_index": "phone"}, unseal=True, using=using)
    process_table(apps.get_model("accounts", "PhoneCode"), ["phone"], {"phone_index": "phone"},
                  unseal=True, using=using)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_id_number_check_digit'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='user', name='one_user_per_verified_phone'),
        migrations.RemoveIndex(model_name='phonecode', name='phonecode_lookup'),
        migrations.AddField(
            model_name='phonecode',
            name='phone_index',
            field=core.fields.BlindIndexField(source='phone'),
        ),
        migrations.AddField(
            model_name='user',
            name='phone_index',
            field=core.fields.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AlterField(model_name='phonecode', name='phone', field=models.TextField()),
        migrations.AlterField(model_name='user', name='address', field=models.TextField(blank=True)),
        migrations.AlterField(model_name='user', name='id_number', field=models.TextField(blank=True)),
        migrations.AlterField(model_name='user', name='phone', field=models.TextField(blank=True)),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.AlterField(
            model_name='phonecode',
            name='phone',
            field=core.fields.EncryptedTextField(max_length=20),
        ),
        migrations.AlterField(
            model_name='user',
            name='address',
            field=core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='user',
            name='id_number',
            field=core.fields.EncryptedTextField(blank=True, max_length=18, validators=[accounts.phones.validate_id_number], verbose_name='ID number'),
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=core.fields.EncryptedTextField(blank=True, max_length=20, verbose_name='phone'),
        ),
        migrations.AddIndex(
            model_name='phonecode',
            index=models.Index(fields=['phone_index', 'purpose', 'created_at'], name='phonecode_lookup'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(condition=models.Q(('phone_verified', True)), fields=('phone_index',), name='one_user_per_verified_phone'),
        ),
    ]
