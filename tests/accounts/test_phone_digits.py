"""One phone, one stored form: Unicode digits are read as ASCII (docs/security.md)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.phones import normalize_phone

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
VERIFY = "/api/v1/auth/verify-phone/"
FILE = "/api/v1/disputes/"


@pytest.mark.parametrize(
    "typed",
    [
        "13８００１３８０００",  # full-width digits mixed in
        "１３８００１３８０００",
        "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic
        "۱۳۸۰۰۱۳۸۰۰۰",  # Extended Arabic-Indic (Persian)
        "१३८००१३८०००",  # Devanagari
        "+86 138-0013-8000",
        "＋８６ １３８－００１３－８０００",  # full-width plus, hyphens and digits
        "0086 13800138000",
        "138\u30000013\u30008000",  # ideographic spaces
        "(138) 0013 8000",
    ],
)
def test_any_way_of_typing_a_mobile_number_stores_its_ascii_digits(typed):
    assert normalize_phone(typed) == "13800138000"


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000\x00",
        "1380013800",
        "138001380000",
        "23800138000",
        "1380013800a",
        "一三八〇〇一三八〇〇〇",
        "",
    ],
)
def test_what_is_not_an_11_digit_mobile_number_is_refused(typed):
    with pytest.raises(ValidationError):
        normalize_phone(typed)


def test_registration_stores_a_full_width_phone_in_ascii(api):
    r = api().post(
        REGISTER,
        {
            "username": "wangfang",
            "password": "Qiantang-river-2026",
            "full_name": "王芳",
            "phone": "13８００１３８０００",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert User.objects.get(username="wangfang").phone == "13800138000"
    assert r.json()["phone"] == "138****8000"


def test_a_verified_phone_typed_in_arabic_indic_digits_cannot_be_registered_again(api):
    User.objects.create_user("first", password="x", phone="13800138000", phone_verified=True)
    r = api().post(
        REGISTER,
        {
            "username": "second",
            "password": "Qiantang-river-2026",
            "full_name": "王芳",
            "phone": "13٨٠٠١٣٨٠٠٠",
        },
        format="json",
    )
    assert r.status_code == 400
    assert "phone" in r.json()["errors"]
    assert not User.objects.filter(username="second").exists()


def test_the_claimant_cannot_name_their_own_full_width_phone_as_respondent(claimant, regions, api):
    full_width = claimant.phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    body = {
        "title": "押金不退",
        "description": "退租时房东扣留全部押金。",
        "category": "tenancy",
        "grid": regions["grid1"].pk,
        "respondent": {"name": "自己", "phone": full_width},
    }
    r = api(claimant).post(FILE, body, format="json")
    assert r.status_code == 400
    assert "respondent" in r.json()["errors"]


def test_a_code_typed_in_full_width_digits_verifies(api, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api().post(
            REGISTER,
            {
                "username": "wangfang",
                "password": "Qiantang-river-2026",
                "full_name": "王芳",
                "phone": "13800138000",
            },
            format="json",
        )
    code = outbox.code("13800138000").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = api().post(VERIFY, {"phone": "１３８００１３８０００", "code": code}, format="json")
    assert r.status_code == 200, r.json()
    assert User.objects.get(username="wangfang").phone_verified
