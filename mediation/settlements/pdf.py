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

from . import parties
from .committee import committee_name

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_FILE = FONT_DIR / "NotoSansSC-Regular-subset.otf"

LABELS = {
    "zh": {
        "title": "人民调解协议书",
        "draft": "草稿 DRAFT",
        "reference": "编号",
        "version": "版本",
        "parties": "当事人",
        "claimant": "申请人",
        "respondent": "被申请人",
        "name": "姓名",
        "id_number": "身份证号",
        "phone": "联系电话",
        "mediator": "人民调解员",
        "committee": "人民调解委员会",
        "facts": "纠纷主要事实及争议事项",
        "claims": "申请人请求",
        "amount_claimed": "请求金额",
        "terms": "经调解，双方当事人自愿达成如下协议",
        "amount": "涉及金额",
        "performance_method": "履行方式",
        "performance_deadline": "履行期限",
        "voluntary": (
            "本协议系双方当事人在人民调解委员会主持下，平等协商、自愿达成，内容不违反法律、法规和"
            "国家政策，不损害国家利益、社会公共利益和他人合法权益。依照《中华人民共和国人民调解法》，"
            "经人民调解委员会调解达成的调解协议具有法律约束力，当事人应当按照约定履行。"
        ),
        "effect": "本协议经双方当事人、人民调解员以电子签名签署并加盖人民调解委员会电子印章后生效。",
        "signatures": "签署",
        "signed_electronically": "（电子签名）",
        "seal": "（电子印章）",
        "verification": "验证码",
        "verify_at": "扫码或访问以下地址核验本协议",
        "generated": "生成时间",
        "none": "无",
        "currency": "元",
    },
    "en": {
        "title": "People's Mediation Agreement",
        "draft": "草稿 DRAFT",
        "reference": "Reference",
        "version": "Version",
        "parties": "Parties",
        "claimant": "Claimant",
        "respondent": "Respondent",
        "name": "Name",
        "id_number": "ID number",
        "phone": "Phone",
        "mediator": "Mediator",
        "committee": "Mediation committee",
        "facts": "Facts of the dispute as filed",
        "claims": "Claimant's request",
        "amount_claimed": "Amount claimed",
        "terms": "Through mediation the parties have voluntarily agreed as follows",
        "amount": "Amount",
        "performance_method": "Performance method",
        "performance_deadline": "Performance deadline",
        "voluntary": (
            "This agreement was reached by the parties voluntarily, on an equal footing, under the "
            "auspices of the people's mediation committee. It does not violate laws, regulations or "
            "state policy, nor harm the interests of the state, the public or others. Under the "
            "People's Mediation Law of the PRC it is legally binding and the parties shall perform it."
        ),
        "effect": (
            "This agreement takes effect once signed electronically by both parties and the mediator "
            "and sealed electronically by the people's mediation committee."
        ),
        "signatures": "Signatures",
        "signed_electronically": "(electronic signature)",
        "seal": "(electronic seal)",
        "verification": "Verification code",
        "verify_at": "Scan or visit this address to verify this agreement",
        "generated": "Generated",
        "none": "None",
        "currency": "yuan",
    },
}


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
    dispute = settlement.dispute
    url = verify_url(settlement)
    return {
        "L": LABELS["en" if language.startswith("en") else "zh"],
        "lang": "en" if language.startswith("en") else "zh-CN",
        "font_url": FONT_FILE.as_uri(),
        "draft": draft,
        "dispute": dispute,
        "settlement": settlement,
        "claimant": _party(dispute, "claimant"),
        "respondent": _party(dispute, "respondent"),
        "mediator": dispute.mediator.full_name if dispute.mediator else "",
        "committee": committee_name(dispute),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "generated": timezone.localtime(settlement.created_at),
    }


def document_language(dispute) -> str:
    """The language of a dispute's documents: Simplified Chinese unless the dispute says otherwise."""
    return getattr(dispute, "language", "") or "zh"


def render_settlement(settlement, *, draft: bool, language: str = "zh") -> bytes:
    html = render_to_string(
        "mediation/settlements/settlement.html",
        settlement_context(settlement, draft=draft, language=language),
    )
    return render_html(html)


def render_cached(template: str, context: dict) -> bytes:
    """Render once per distinct content: the cache key is the SHA-256 of the HTML itself.

    A new settlement version (or any changed input: names, terms, mediator) yields new HTML and
    so a new key; an unchanged one is served from the cache instead of WeasyPrint (≈0.4 s).
    """
    html = render_to_string(template, context)
    key = "pdf:" + hashlib.sha256(html.encode()).hexdigest()
    return get_or_compute(key, lambda: render_html(html), settings.PDF_CACHE_SECONDS)


def settlement_pdf(settlement, *, draft: bool) -> bytes:
    """The agreement (draft or final, unsigned) in the dispute's language, from the cache when possible."""
    language = document_language(settlement.dispute)
    return render_cached(
        "mediation/settlements/settlement.html",
        settlement_context(settlement, draft=draft, language=language),
    )


# --- the joint application for judicial confirmation (司法确认申请书) --------------------------------
JUDICIAL_LABELS = {
    "zh": {
        "title": "司法确认申请书",
        "to": "致",
        "court": "调解组织所在地基层人民法院",
        "applicants": "申请人",
        "applicant": "申请人",
        "claimant": "（原纠纷申请人）",
        "respondent": "（原纠纷被申请人）",
        "name": "姓名",
        "id_number": "身份证号",
        "phone": "联系电话",
        "agreement": "调解协议",
        "reference": "编号",
        "version": "版本",
        "committee": "人民调解委员会",
        "mediator": "人民调解员",
        "effective": "生效日期",
        "verification": "验证码",
        "sha256": "协议文件 SHA-256",
        "verify_at": "核验地址",
        "request": "请求事项",
        "request_text": (
            "请求人民法院依法确认申请人于{date}经{committee}主持调解达成的调解协议（编号 {reference}）有效。"
        ),
        "facts": "事实与理由",
        "facts_text": (
            "申请人之间因“{title}”发生纠纷，经{committee}调解，于{date}自愿达成调解协议，约定如下："
        ),
        "terms": "协议内容",
        "amount": "涉及金额",
        "performance_method": "履行方式",
        "performance_deadline": "履行期限",
        "currency": "元",
        "none": "无",
        "basis": (
            "依照《中华人民共和国人民调解法》第三十三条和《中华人民共和国民事诉讼法》的规定，"
            "双方当事人自调解协议生效之日起三十日内共同提出本申请。"
        ),
        "declaration": "申请人声明",
        "declaration_text": (
            "申请人郑重声明：上述调解协议系双方当事人在平等协商基础上自愿达成，是双方真实意思表示；"
            "协议内容不违反法律、行政法规的强制性规定，不损害国家利益、社会公共利益和他人合法权益；"
            "申请人提交的材料真实、合法。申请人知悉虚假申请司法确认应承担的法律责任。"
        ),
        "signatures": "申请人签署",
        "signed_electronically": "（电子签名）",
        "date": "申请日期",
        "window": "申请期限截至",
    },
    "en": {
        "title": "Application for Judicial Confirmation of a People's Mediation Agreement",
        "to": "To",
        "court": "The basic people's court where the mediation organisation is located",
        "applicants": "Applicants",
        "applicant": "Applicant",
        "claimant": "(claimant in the dispute)",
        "respondent": "(respondent in the dispute)",
        "name": "Name",
        "id_number": "ID number",
        "phone": "Phone",
        "agreement": "Mediation agreement",
        "reference": "Reference",
        "version": "Version",
        "committee": "Mediation committee",
        "mediator": "Mediator",
        "effective": "In effect since",
        "verification": "Verification code",
        "sha256": "SHA-256 of the agreement file",
        "verify_at": "Verify at",
        "request": "Request",
        "request_text": (
            "The applicants ask the court to confirm as valid, according to law, the mediation agreement "
            "(reference {reference}) they reached on {date} under the auspices of {committee}."
        ),
        "facts": "Facts and reasons",
        "facts_text": (
            "A dispute arose between the applicants concerning “{title}”. Through mediation by "
            "{committee} they voluntarily reached a mediation agreement on {date}, as follows:"
        ),
        "terms": "Terms of the agreement",
        "amount": "Amount",
        "performance_method": "Performance method",
        "performance_deadline": "Performance deadline",
        "currency": "yuan",
        "none": "None",
        "basis": (
            "Under Article 33 of the People's Mediation Law and the Civil Procedure Law of the PRC, the "
            "parties jointly make this application within thirty days of the agreement taking effect."
        ),
        "declaration": "Declaration of the applicants",
        "declaration_text": (
            "The applicants solemnly declare that the agreement was reached voluntarily on an equal footing "
            "and expresses their true intentions; that it violates no mandatory provision of laws or "
            "administrative regulations and harms neither the interests of the state, the public nor others; "
            "and that the materials submitted are true and lawful. The applicants know the legal liability "
            "for a false application."
        ),
        "signatures": "Signatures of the applicants",
        "signed_electronically": "(electronic signature)",
        "date": "Date of application",
        "window": "Application window closes",
    },
}


def judicial_context(application) -> dict:
    settlement = application.settlement
    dispute = settlement.dispute
    language = document_language(dispute)
    labels = JUDICIAL_LABELS["en" if language.startswith("en") else "zh"]
    sealed_on = timezone.localtime(settlement.sealed_at).date()
    committee = committee_name(dispute)
    values = {
        "date": sealed_on.isoformat(),
        "committee": committee,
        "reference": dispute.reference,
        "title": dispute.title,
    }
    return {
        "L": labels,
        "lang": "en" if language.startswith("en") else "zh-CN",
        "font_url": FONT_FILE.as_uri(),
        "dispute": dispute,
        "settlement": settlement,
        "application": application,
        "claimant": _party(dispute, "claimant"),
        "respondent": _party(dispute, "respondent"),
        "mediator": dispute.mediator.full_name if dispute.mediator else "",
        "committee": committee,
        "sealed_on": sealed_on,
        # Filled in with format(), then escaped by the template like every other value.
        "request_text": labels["request_text"].format(**values),
        "facts_text": labels["facts_text"].format(**values),
        "verify_url": verify_url(settlement),
        "created_on": timezone.localtime(application.created_at).date(),
        "deadline": timezone.localtime(application.deadline_at),
    }


def judicial_pdf(application) -> bytes:
    """The unsigned application, pre-filled from the sealed agreement (cached by content)."""
    return render_cached("mediation/settlements/judicial.html", judicial_context(application))
