"""Amounts and dates in a document's language (core.document_formats): the agreement, the
judicial application, the case file and the referral letter pass their `doc_language`."""

from django import template

from core import document_formats as labels

register = template.Library()


@register.filter
def doc_money(amount, language: str) -> str:
    return labels.money(amount, language)


@register.filter
def doc_day(value, language: str) -> str:
    return labels.day(value, language)


@register.filter
def doc_moment(value, language: str) -> str:
    return labels.moment(value, language)
