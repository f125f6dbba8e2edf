"""Personal data sealed at rest, the blind index and key rotation (docs/personal-data-encryption.md)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from accounts.models import PhoneCode, User
from accounts.services import check_phone_code, send_phone_code
from core import crypto
from core.audit import verify
from core.models import AuditEntry
from disputes.models import Dispute
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

KEY_A = "dGlhb2ppZS10ZXN0LWRhdGEta2V5LW9uZS0zMi1ieXQ="  # config/settings_test.py
KEY_B = "c2Vjb25kLXRlc3QtZGF0YS1rZXktMzItYnl0ZXMtLS0="
INDEX_2 = "c2Vjb25kLXRlc3QtaW5kZXgta2V5LTMyLWJ5dGVzLS0="
ID_NUMBER = "11010519491231002X"


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def set_raw(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [value, pk])


def test_model_code_reads_and_writes_plaintext_while_the_table_holds_ciphertext(claimant):
    claimant.id_number, claimant.address = ID_NUMBER, "杭州市西湖区北山街道宝石一弄3号"
    claimant.save()
    fresh = User.objects.get(pk=claimant.pk)
    assert (fresh.phone, fresh.id_number, fresh.address) == (claimant.phone, ID_NUMBER, claimant.address)
    for column, plain in (("phone", claimant.phone), ("id_number", ID_NUMBER), ("address", claimant.address)):
        stored = raw("accounts_user", column, claimant.pk)
        assert stored.startswith(f"v1:{crypto.ring().current}:") and plain not in stored
    assert raw("accounts_user", "phone_index", claimant.pk) == crypto.blind_index(claimant.phone)
    # values() and values_list() decrypt too; the same phone seals differently each time.
    assert User.objects.filter(pk=claimant.pk).values_list("phone", flat=True).get() == claimant.phone
    assert crypto.seal(claimant.phone, b"t.c") != crypto.seal(claimant.phone, b"t.c")


def test_an_empty_value_is_stored_empty_and_can_be_tested_for(db):
    user = User.objects.create(username="nophone", full_name="无号")
    assert raw("accounts_user", "phone", user.pk) == "" and raw("accounts_user", "phone_index", user.pk) == ""
    assert User.objects.filter(phone="").filter(pk=user.pk).exists()


def test_an_encrypted_column_refuses_lookups_that_could_only_silently_miss(claimant):
    with pytest.raises(FieldError):
        list(User.objects.filter(phone=claimant.phone))
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__startswith="138"))
    assert list(User.objects.filter(phone_index=crypto.blind_index(claimant.phone))) == [claimant]


def test_a_changed_ciphertext_byte_raises_instead_of_returning_other_text(claimant):
    stored = raw("accounts_user", "phone", claimant.pk)
    prefix, body = stored.rsplit(":", 1)
    flipped = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    set_raw("accounts_user", "phone", claimant.pk, f"{prefix}:{flipped}")
    with pytest.raises(crypto.DecryptionError):
        User.objects.get(pk=claimant.pk)
    set_raw("accounts_user", "phone", claimant.pk, claimant.phone)  # plaintext slipped in
    with pytest.raises(crypto.DecryptionError):
        User.objects.get(pk=claimant.pk)


def test_a_ciphertext_moved_to_another_column_does_not_open(dispute):
    claimant_phone = raw("disputes_dispute", "claimant_phone", dispute.pk)
    set_raw("disputes_dispute", "respondent_phone", dispute.pk, claimant_phone)
    with pytest.raises(crypto.DecryptionError):
        Dispute.objects.get(pk=dispute.pk)


def test_an_old_key_still_opens_after_a_new_one_is_put_first(claimant):
    old_id = crypto.ring().current
    with override_settings(TIAOJIE_DATA_KEYS=[KEY_B, KEY_A]):
        assert User.objects.get(pk=claimant.pk).phone == claimant.phone
        claimant.save()
        new_id = crypto.ring().current
        assert new_id != old_id and raw("accounts_user", "phone", claimant.pk).startswith(f"v1:{new_id}:")
    with override_settings(TIAOJIE_DATA_KEYS=[KEY_A]), pytest.raises(crypto.DecryptionError):
        User.objects.get(pk=claimant.pk)  # sealed under B, which this ring lacks


def test_saving_only_the_phone_also_updates_its_index(claimant):
    claimant.phone = "13712345678"
    claimant.save(update_fields=["phone"])
    assert User.objects.get(phone_index=crypto.blind_index("13712345678")) == claimant


def test_the_constraints_hold_on_the_index_columns(claimant, regions):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UserFactory(phone=claimant.phone, phone_verified=True)
    factories.UserFactory(phone=claimant.phone, phone_verified=False)  # unverified: allowed
    dispute = factories.file_dispute(claimant, regions["grid1"], "13612345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(respondent_phone_index=dispute.claimant_phone_index)


def _sealed_columns():
    return [
        ("accounts_user", "phone"), ("accounts_user", "id_number"), ("accounts_user", "address"),
        ("accounts_phonecode", "phone"), ("disputes_dispute", "claimant_phone"),
        ("disputes_dispute", "respondent_phone"), ("disputes_dispute", "claimant_address"),
        ("notifications_notification", "address"),
    ]  # fmt: skip


def _key_ids_in_use() -> set[str]:
    found = set()
    with connection.cursor() as cursor:
        for table, column in _sealed_columns():
            cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> %s', [""])
            found |= {crypto.key_of(value) for (value,) in cursor.fetchall()}
    return found


def test_rotation_reseals_everything_and_parties_are_still_found_by_phone(
    api, outbox, advance, dispute, respondent, claimant, django_capture_on_commit_callbacks
):
    claimant.id_number, claimant.address = ID_NUMBER, "宝石一弄3号"
    claimant.save()
    with django_capture_on_commit_callbacks(execute=True):
        advance(dispute, "awaiting_response")  # served: the respondent now sees it
    send_phone_code(claimant.phone, purpose=PhoneCode.Purpose.SIGN, language="zh-hans", user=claimant)
    assert Notification.objects.filter(channel="sms").exists() and PhoneCode.objects.exists()
    old_id = crypto.ring().current
    assert _key_ids_in_use() == {old_id}

    with override_settings(TIAOJIE_DATA_KEYS=[KEY_B, KEY_A], TIAOJIE_INDEX_KEY=INDEX_2):
        call_command("rotate_data_keys", batch=2, stdout=(out := io.StringIO()))
        new_id = crypto.ring().current
        assert f"every sealed value is now under key {new_id}" in out.getvalue()
        entry = AuditEntry.objects.get(action="keys")
        assert entry.data["key_id"] == new_id and entry.data["rewritten"] > 0
        assert claimant.phone not in str(entry.data) and verify()[1] is None
        call_command("rotate_data_keys", stdout=(again := io.StringIO()))
        assert ", 0 rewritten;" in again.getvalue()  # idempotent

    # The old key and the old index key are gone: everything must open and be found with the new ones.
    with override_settings(TIAOJIE_DATA_KEYS=[KEY_B], TIAOJIE_INDEX_KEY=INDEX_2):
        assert _key_ids_in_use() == {new_id}
        assert User.objects.get(pk=claimant.pk).id_number == ID_NUMBER
        r = api(respondent).get(f"/api/v1/disputes/{dispute.pk}/")
        assert r.status_code == 200, r.json()
        assert dispute.pk in [d["id"] for d in api(claimant).get("/api/v1/disputes/").json()["results"]]
        # Password reset names the account by its phone, and the code goes to that phone.
        sent = len(outbox.sms(respondent.phone))
        with django_capture_on_commit_callbacks(execute=True):
            r = api().post("/api/v1/auth/password-reset/", {"login": respondent.phone}, format="json")
        assert r.status_code == 202, r.json()
        assert len(outbox.sms(respondent.phone)) == sent + 1
        # The signing code issued before the rotation is still found by the claimant's phone.
        assert check_phone_code(claimant.phone, "000000", purpose=PhoneCode.Purpose.SIGN) is None
        assert PhoneCode.objects.get(phone_index=crypto.blind_index(claimant.phone)).attempts == 1
