"""The words of the signed documents (the agreement, the judicial application) and how they write
amounts and dates, in the document's language (docs/features/settlements.md).

Every label is a gettext string with its own context, so the agreement's 人民调解员 does not
borrow the site's 调解员; call these under translation.override(language) (in_language).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.utils import translation
from django.utils.translation import pgettext

from core.document_formats import day, is_english, moment, money

__all__ = ["day", "is_english", "moment", "money"]

# The watermark says both, whatever the language.
DRAFT = "草稿 DRAFT"


def django_language(language: str | None) -> str:
    """zh-hans or en: the translation to activate for a document in `language`."""
    return "en" if is_english(language) else "zh-hans"


def html_lang(language: str | None) -> str:
    """The PDF's lang attribute: en, or zh-CN (Chinese names in an English document still find
    their font through the font stack, whatever this says)."""
    return "en" if is_english(language) else "zh-CN"


@contextmanager
def in_language(language: str | None):
    with translation.override(django_language(language)):
        yield


def role_labels() -> dict:
    """Who signs, as the signature blocks name them (active language)."""
    return {
        "claimant": pgettext("settlement agreement", "Claimant"),
        "respondent": pgettext("settlement agreement", "Respondent"),
        "mediator": pgettext("settlement agreement", "Mediator"),
        "committee": pgettext("settlement agreement", "Mediation committee"),
        "signed_at": pgettext("signature appearance", "Signed"),
        "sealed_at": pgettext("signature appearance", "Sealed"),
    }


def agreement_labels() -> dict:
    """The settlement agreement's words in the active language."""
    return {
        "colon": pgettext("document punctuation", ": "),
        "draft": DRAFT,
        "title": pgettext("settlement agreement", "People's Mediation Agreement"),
        "reference": pgettext("settlement agreement", "Reference"),
        "version": pgettext("settlement agreement", "Version"),
        "parties": pgettext("settlement agreement", "Parties"),
        "claimant": pgettext("settlement agreement", "Claimant"),
        "respondent": pgettext("settlement agreement", "Respondent"),
        "name": pgettext("settlement agreement", "Name"),
        "id_number": pgettext("settlement agreement", "ID number"),
        "phone": pgettext("settlement agreement", "Phone"),
        "mediator": pgettext("settlement agreement", "Mediator"),
        "committee": pgettext("settlement agreement", "Mediation committee"),
        "facts": pgettext("settlement agreement", "Facts of the dispute as filed"),
        "claims": pgettext("settlement agreement", "Claimant's request"),
        "amount_claimed": pgettext("settlement agreement", "Amount claimed"),
        "terms": pgettext(
            "settlement agreement", "Through mediation the parties have voluntarily agreed as follows"
        ),
        "amount": pgettext("settlement agreement", "Amount"),
        "performance_method": pgettext("settlement agreement", "Performance method"),
        "performance_deadline": pgettext("settlement agreement", "Performance deadline"),
        "voluntary": pgettext(
            "settlement agreement",
            "This agreement was reached by the parties voluntarily, on an equal footing, under the auspices of the people's mediation committee. It does not violate laws, regulations or state policy, nor harm the interests of the state, the public or others. Under the People's Mediation Law of the PRC it is legally binding and the parties shall perform it.",
        ),
        "effect": pgettext(
            "settlement agreement",
            "This agreement takes effect once signed electronically by both parties and the mediator and sealed electronically by the people's mediation committee.",
        ),
        # With more than two parties (mediation/settlements/roster.py): "all", not "both".
        "voluntary_many": pgettext(
            "settlement agreement",
            "This agreement was reached by all the parties voluntarily, on an equal footing, under the auspices of the people's mediation committee. It does not violate laws, regulations or state policy, nor harm the interests of the state, the public or others. Under the People's Mediation Law of the PRC it is legally binding and the parties shall perform it.",
        ),
        "effect_many": pgettext(
            "settlement agreement",
            "This agreement takes effect once signed electronically by every party (or its legal representative, agent or guardian) and the mediator and sealed electronically by the people's mediation committee.",
        ),
        "signatures": pgettext("settlement agreement", "Signatures"),
        "signed_electronically": pgettext("settlement agreement", "(electronic signature)"),
        "seal": pgettext("settlement agreement", "(electronic seal)"),
        "verification": pgettext("settlement agreement", "Verification code"),
        "verify_at": pgettext("settlement agreement", "Scan or visit this address to verify this agreement"),
        "generated": pgettext("settlement agreement", "Generated"),
        "none": pgettext("settlement agreement", "None"),
        "currency": pgettext("settlement agreement", "yuan"),
    }


def judicial_labels() -> dict:
    """The judicial application's words in the active language; request_text and facts_text
    take {date}, {committee}, {reference} and {title} through str.format."""
    return {
        "colon": pgettext("document punctuation", ": "),
        "title": pgettext(
            "judicial application", "Application for Judicial Confirmation of a People's Mediation Agreement"
        ),
        "to": pgettext("judicial application", "To"),
        "court": pgettext(
            "judicial application", "The basic people's court where the mediation organisation is located"
        ),
        "applicants": pgettext("judicial application", "Applicants"),
        "applicant": pgettext("judicial application", "Applicant"),
        "claimant": pgettext("judicial application", "(claimant in the dispute)"),
        "respondent": pgettext("judicial application", "(respondent in the dispute)"),
        "name": pgettext("judicial application", "Name"),
        "id_number": pgettext("judicial application", "ID number"),
        "phone": pgettext("judicial application", "Phone"),
        "agreement": pgettext("judicial application", "Mediation agreement"),
        "reference": pgettext("judicial application", "Reference"),
        "version": pgettext("judicial application", "Version"),
        "committee": pgettext("judicial application", "Mediation committee"),
        "mediator": pgettext("judicial application", "Mediator"),
        "effective": pgettext("judicial application", "In effect since"),
        "verification": pgettext("judicial application", "Verification code"),
        "sha256": pgettext("judicial application", "SHA-256 of the agreement file"),
        "verify_at": pgettext("judicial application", "Verify at"),
        "request": pgettext("judicial application", "Request"),
        "request_text": pgettext(
            "judicial application",
            "The applicants ask the court to confirm as valid, according to law, the mediation agreement (reference {reference}) they reached on {date} under the auspices of {committee}.",
        ),
        "facts": pgettext("judicial application", "Facts and reasons"),
        "facts_text": pgettext(
            "judicial application",
            "A dispute arose between the applicants concerning “{title}”. Through mediation by {committee} they voluntarily reached a mediation agreement on {date}, as follows:",
        ),
        "terms": pgettext("judicial application", "Terms of the agreement"),
        "amount": pgettext("judicial application", "Amount"),
        "performance_method": pgettext("judicial application", "Performance method"),
        "performance_deadline": pgettext("judicial application", "Performance deadline"),
        "currency": pgettext("judicial application", "yuan"),
        "none": pgettext("judicial application", "None"),
        "basis": pgettext(
            "judicial application",
            "Under Article 33 of the People's Mediation Law and the Civil Procedure Law of the PRC, the parties jointly make this application within thirty days of the agreement taking effect.",
        ),
        "declaration": pgettext("judicial application", "Declaration of the applicants"),
        "declaration_text": pgettext(
            "judicial application",
            "The applicants solemnly declare that the agreement was reached voluntarily on an equal footing and expresses their true intentions; that it violates no mandatory provision of laws or administrative regulations and harms neither the interests of the state, the public nor others; and that the materials submitted are true and lawful. The applicants know the legal liability for a false application.",
        ),
        "signatures": pgettext("judicial application", "Signatures of the applicants"),
        "signed_electronically": pgettext("judicial application", "(electronic signature)"),
        "date": pgettext("judicial application", "Date of application"),
        "window": pgettext("judicial application", "Application window closes"),
    }
