"""The migrations that seal existing rows, forwards and back (docs/personal-data-encryption.md).

Stack only: on SQLite every step rebuilds the tables (minutes); PostgreSQL alters them in place.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import crypto
from tests.stack_harness import needs_stack

pytestmark = [pytest.mark.stack, needs_stack, pytest.mark.django_db(transaction=True)]

BEFORE = [
    ("accounts", "0006_id_number_check_digit"),
    ("disputes", "0011_info_request_reminders"),
    ("notifications", "0002_notification_claimed_by"),
]
AFTER = [
    ("accounts", "0007_crypto_seal_personal_data"),
    ("disputes", "0012_crypto_seal_personal_data"),
    ("notifications", "0003_crypto_seal_address"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def column(table: str, name: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{name}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_existing_rows_are_sealed_and_indexed_and_migrating_back_opens_them():
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Region = old.get_model("accounts", "Region")
    Category = old.get_model("disputes", "Category")
    Dispute = old.get_model("disputes", "Dispute")
    Notification = old.get_model("notifications", "Notification")
    user = User.objects.create(
        username="old", full_name="老用户", phone="13911112222", phone_verified=True,
        id_number="11010519491231002X", address="宝石一弄3号",
    )  # fmt: skip
    nophone = User.objects.create(username="nophone", full_name="无号")
    grid = Region.objects.create(name="网格", kind="grid", path="/1/")
    category = Category.objects.get_or_create(
        slug="neighbourhood", defaults={"name": "邻里", "name_en": "N"}
    )[0]
    dispute = Dispute.objects.create(
        title="t", description="d", category=category, grid=grid, claimant_name="甲",
        claimant_phone="13911112222", respondent_name="乙", respondent_phone="15800001111",
        filed_by=user, fingerprint="f", state="filed",
    )  # fmt: skip
    note = Notification.objects.create(kind="k", channel="sms", address="15800001111", language="zh-hans",
                                       title="t", body="b")  # fmt: skip

    new = migrate(AFTER)
    assert column("accounts_user", "phone", user.pk).startswith("v1:")
    assert column("accounts_user", "phone_index", user.pk) == crypto.blind_index("13911112222")
    assert (
        column("accounts_user", "phone", nophone.pk) == ""
        and column("accounts_user", "phone_index", nophone.pk) == ""
    )
    assert column("disputes_dispute", "respondent_phone_index", dispute.pk) == crypto.blind_index(
        "15800001111"
    )
    assert column("notifications_notification", "address", note.pk).startswith("v1:")
    sealed = new.get_model("accounts", "User").objects.get(pk=user.pk)
    assert (sealed.phone, sealed.id_number, sealed.address) == (
        "13911112222",
        "11010519491231002X",
        "宝石一弄3号",
    )
    assert new.get_model("disputes", "Dispute").objects.get(pk=dispute.pk).claimant_phone == "13911112222"

    migrate(BEFORE)
    assert column("accounts_user", "phone", user.pk) == "13911112222"
    assert column("accounts_user", "id_number", user.pk) == "11010519491231002X"
    assert column("disputes_dispute", "respondent_phone", dispute.pk) == "15800001111"
    assert column("notifications_notification", "address", note.pk) == "15800001111"
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
