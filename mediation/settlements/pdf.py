"""The settlement agreement (调解协议书) as a PDF, rendered by WeasyPrint
(docs/features/settlements.md).

WeasyPrint fetches whatever a document points at by default (HTTP, file:// attachments):
every render goes through SafeFetcher, which serves data: URIs and the project's own fonts
and refuses everything else. User text reaches the template only as escaped text.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.urls import URLFetcher

from core.cache import get_or_compute
from disputes.contacts import document_contact

from . import labels, parties, roster
from .committee import committee_name

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_FILE = FONT_DIR / "NotoSansSC-Regular-subset.otf"


class SafeFetcher(URLFetcher):
    """Serves data: URIs and files under static/fonts; refuses (and remembers) anything else."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and self._is_font(url):
            return super().fetch(url, headers)
        self.refused.append(url)
        raise ValueError(f"Fetching is not allowed: {url[:100]}")

    @staticmethod
    def _is_font(url: str) -> bool:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return False
        path = Path(unquote(parts.path)).resolve()
        return path.is_relative_to(FONT_DIR.resolve()) and path.is_file()


# A run this long with no break opportunity gets one every BREAK_EVERY characters. WeasyPrint
# lays out the whole rest of a paragraph again for every line of an unbreakable word (quadratic):
# 32 messages of 4,000 unbroken characters took 10.8 s of CPU, with a zero-width space every 16
# characters 1.8 s (docs/security.md, "PDFs and long documents").
LONG_RUN = 32
BREAK_EVERY = 16
ZWSP = "\u200b"
# Letters, digits and symbols without an East Asian line break of their own: CJK, kana and
# hangul already break between characters, spaces are break opportunities.
_RUN = re.compile(
    r"[^\s<>&\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]{"
    + str(LONG_RUN)
    + ",}"
)
_TEXT = re.compile(r">([^<]+)<")


def _glues(before: str, after: str) -> bool:
    """True where a break would split a grapheme: combining marks, joiners, selectors, modifiers."""
    if unicodedata.category(after)[0] == "M" or unicodedata.category(after) == "Sk":
        return True
    if "\u200c" <= before <= "\u200d" or "\u200c" <= after <= "\u200d":
        return True
    if "\ufe00" <= after <= "\ufe0f" or "\U0001f3fb" <= after <= "\U0001f3ff":
        return True
    return "\U0001f1e6" <= after <= "\U0001f1ff"


def _breakable(run: str) -> str:
    out, since = [], 0
    for i, char in enumerate(run):
        if i and since >= BREAK_EVERY and not _glues(run[i - 1], char):
            out.append(ZWSP)
            since = 0
        out.append(char)
        since += 1
    return "".join(out)


def breakable_html(html: str) -> str:
    """Break opportunities inside long unbroken runs of the body's text (never in tags, entities
    or the style sheet); the zero-width space has no glyph and pdftotext does not return it."""
    head, marker, body = html.partition("<body")
    if not marker:
        return html

    def text(match: re.Match) -> str:
        return ">" + _RUN.sub(lambda run: _breakable(run.group(0)), match.group(1)) + "<"

    return head + marker + _TEXT.sub(text, body)


def render_html(html: str, fetcher: SafeFetcher | None = None) -> bytes:
    """Any HTML to PDF bytes through the safe fetcher (base URL: the font folder)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = fetcher or SafeFetcher()
    font_config = FontConfiguration()
    html = breakable_html(html)
    document = HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(font_config=font_config)


def qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def verify_url(settlement) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/verify/{settlement.verification_code}/"


def _party(dispute, party: str) -> dict:
    return document_contact(dispute, party, parties.account(getattr(dispute, f"{party}_phone")))


def settlement_context(settlement, *, draft: bool, language: str = "zh") -> dict:
    """The agreement's template context; its labels in `language` (call under in_language)."""
    dispute = settlement.dispute
    url = verify_url(settlement)
    return {
        "L": labels.agreement_labels(),
        "lang": labels.html_lang(language),
        "doc_language": language,
        "font_url": FONT_FILE.as_uri(),
        "draft": draft,
        "dispute": dispute,
        "settlement": settlement,
        "claimant": _party(dispute, "claimant"),
        "respondent": _party(dispute, "respondent"),
        "roster": roster.roster(dispute),
        "mediator": dispute.mediator.full_name if dispute.mediator else "",
        "committee": committee_name(dispute),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "generated": timezone.localtime(settlement.created_at),
    }


def document_language(dispute) -> str:
    """The language of a dispute's documents (Dispute.language): zh-hans or en."""
    return getattr(dispute, "language", "") or "zh-hans"


def render_settlement(settlement, *, draft: bool, language: str | None = None) -> bytes:
    """The agreement, uncached; in the dispute's language unless `language` says otherwise."""
    language = language or document_language(settlement.dispute)
    with labels.in_language(language):
        html = render_to_string(
            "mediation/settlements/settlement.html",
            settlement_context(settlement, draft=draft, language=language),
        )
    return render_html(html)


def render_cached(template: str, context: dict, language: str | None = None) -> bytes:
    """Render once per distinct content: the cache key is the language and the SHA-256 of the HTML.

    A new settlement version (or any changed input: names, terms, mediator, language) yields new
    HTML and so a new key; an unchanged one is served from the cache instead of WeasyPrint (≈0.4 s).
    Rendered under the language's translation when one is given.
    """
    with labels.in_language(language or context.get("doc_language")):
        html = render_to_string(template, context)
    tag = labels.django_language(language or context.get("doc_language"))
    key = f"pdf:{tag}:" + hashlib.sha256(html.encode()).hexdigest()
    return get_or_compute(key, lambda: render_html(html), settings.PDF_CACHE_SECONDS)


def settlement_pdf(settlement, *, draft: bool) -> bytes:
    """The agreement (draft or final, unsigned) in the dispute's language, from the cache when possible."""
    language = document_language(settlement.dispute)
    with labels.in_language(language):
        context = settlement_context(settlement, draft=draft, language=language)
    return render_cached("mediation/settlements/settlement.html", context, language)


# --- the joint application for judicial confirmation (司法确认申请书) --------------------------------
def judicial_context(application) -> dict:
    """The application's template context in the dispute's language (call under in_language)."""
    settlement = application.settlement
    dispute = settlement.dispute
    language = document_language(dispute)
    words = labels.judicial_labels()
    sealed_on = timezone.localtime(settlement.sealed_at).date()
    committee = committee_name(dispute)
    values = {
        "date": labels.day(sealed_on, language),
        "committee": committee,
        "reference": dispute.reference,
        "title": dispute.title,
    }
    return {
        "L": words,
        "lang": labels.html_lang(language),
        "doc_language": language,
        "font_url": FONT_FILE.as_uri(),
        "dispute": dispute,
        "settlement": settlement,
        "application": application,
        "claimant": _party(dispute, "claimant"),
        "respondent": _party(dispute, "respondent"),
        "roster": roster.roster(dispute),
        "mediator": dispute.mediator.full_name if dispute.mediator else "",
        "committee": committee,
        "sealed_on": sealed_on,
        # Filled in with format(), then escaped by the template like every other value.
        "request_text": words["request_text"].format(**values),
        "facts_text": words["facts_text"].format(**values),
        "verify_url": verify_url(settlement),
        "created_on": timezone.localtime(application.created_at).date(),
        "deadline": timezone.localtime(application.deadline_at),
    }


def judicial_pdf(application) -> bytes:
    """The unsigned application, pre-filled from the sealed agreement (cached by content)."""
    language = document_language(application.settlement.dispute)
    with labels.in_language(language):
        context = judicial_context(application)
    return render_cached("mediation/settlements/judicial.html", context, language)
