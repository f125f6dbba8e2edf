"""Phone numbers and personal data as shown to people not entitled to see them."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str:
    """Mainland mobile number in its 11-digit form; raises ValidationError otherwise."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise ValidationError(_("Enter a mainland China mobile number of 11 digits."), code="phone")
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, John Smith → J*********."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_id_number(value: str) -> str:
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) > 7 else "****"
