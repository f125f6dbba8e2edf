"""Phone numbers and personal data as shown to people not entitled to see them."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ASCII only: Python's \d also matches full-width and Arabic-Indic digits (docs/security.md).
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
# Separators people type between digit groups: spaces, hyphens and dashes, brackets, dots.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212().]")


def ascii_digits(text: str) -> str:
    """Every Unicode decimal digit (１, ١, ۱, १ ...) as its ASCII digit; other characters kept."""
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in text
    )


def normalize_phone(raw: str) -> str:
    """Mainland mobile number in its 11 ASCII digits; raises ValidationError otherwise.

    Full-width forms (NFKC) and any script's decimal digits become ASCII, a leading +86 or
    0086 and separators are dropped: one phone has one stored form, whatever was typed, so
    the claimant-respondent and conflict-of-interest checks compare like with like.
    """
    digits = _SEPARATORS.sub("", ascii_digits(unicodedata.normalize("NFKC", raw or "")))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.fullmatch(digits):
        raise ValidationError(_("Enter a mainland China mobile number of 11 digits."), code="phone")
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, John Smith → J*********."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_id_number(value: str) -> str:
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) > 7 else "****"


# Resident identity card number (GB 11643-1999): 17 digits and a check character.
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"  # the check character for each remainder of the weighted sum mod 11


def validate_id_number(value: str) -> None:
    """An 18-character ID number whose last character matches its check digit (GB 11643);
    raises ValidationError otherwise."""
    if not _ID_NUMBER.fullmatch(value or ""):
        raise ValidationError(_("Enter an ID number of 17 digits and a check digit or X."), code="id_number")
    total = sum(int(digit) * weight for digit, weight in zip(value, _ID_WEIGHTS, strict=False))
    if _ID_CHECK[total % 11] != value[17]:
        raise ValidationError(_("This ID number's check digit is wrong."), code="id_number_check")
