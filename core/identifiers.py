"""Identifiers with check digits that forms and models validate (docs/features/parties.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015, the unified social credit code (统一社会信用代码): 18 characters from this
# 31-character alphabet (no I, O, S, V, Z); the last is a check digit over the first 17.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_digit(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    if not code[2:8].isdigit():  # the administrative division code
        return False
    return uscc_check_digit(code[:17]) == code[17]


def validate_uscc(code: str) -> None:
    if not is_valid_uscc(code):
        raise ValidationError(
            _("Enter a valid unified social credit code (18 characters, check digit per GB 32100)."),
            code="invalid_uscc",
        )
