"""ID numbers (GB 11643): 17 digits and a check character that must match them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.phones import validate_id_number
from tests import factories

pytestmark = pytest.mark.django_db

VALID = "11010519491231002X"


@pytest.mark.parametrize("value", [VALID, "33010619900101123X"])
def test_a_number_with_its_check_digit_is_valid(value):
    validate_id_number(value)


@pytest.mark.parametrize(
    "value, code",
    [
        ("110105194912310021", "id_number_check"),  # last character should be X
        ("330106199001011234", "id_number_check"),
        ("11010519491231002x", "id_number"),  # lower-case x: the admin form gets the upper case
        ("1101051949123100", "id_number"),  # 16 characters
        ("１１０１０５１９４９１２３１００２Ｘ", "id_number"),  # full-width digits
        ("11010519491231002X'--", "id_number"),
    ],
)
def test_a_wrong_number_is_refused_with_its_reason(value, code):
    with pytest.raises(ValidationError) as refused:
        validate_id_number(value)
    assert refused.value.error_list[0].code == code


def test_a_user_record_with_a_bad_check_digit_does_not_validate():
    """What the admin's form (and any ModelForm) runs before it saves."""
    resident = factories.UserFactory(username="resident")
    resident.id_number = "110105194912310021"
    with pytest.raises(ValidationError) as refused:
        resident.full_clean()
    assert "id_number" in refused.value.message_dict
    resident.id_number = VALID
    resident.full_clean()
