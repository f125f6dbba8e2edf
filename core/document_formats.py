"""Amounts and dates as a document in a given language writes them (the agreement, the judicial
application, the case file, the referral letter: docs/features/settlements.md). Here in core so
templates of any app can load them (core/templatetags/document_tags.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import formats, timezone, translation


def is_english(language: str | None) -> bool:
    return (language or "").startswith("en")


def money(amount: Decimal | None, language: str | None) -> str:
    """1200.00 元 in Chinese, 1,200.00 yuan in English; "" for None."""
    if amount is None:
        return ""
    if is_english(language):
        return f"{amount:,.2f} yuan"
    return f"{amount} 元"


def day(value: date | datetime | None, language: str | None) -> str:
    """2026-12-31 in Chinese, 31 December 2026 in English (a datetime: its local date)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if is_english(language):
        with translation.override("en"):
            return formats.date_format(value, "j F Y")
    return formats.date_format(value, "Y-m-d")


def moment(value: datetime | None, language: str | None) -> str:
    """2026-12-31 14:05 in Chinese, 31 Dec 2026 14:05 in English (local time)."""
    if value is None:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    if is_english(language):
        with translation.override("en"):
            return formats.date_format(value, "j M Y H:i")
    return formats.date_format(value, "Y-m-d H:i")
