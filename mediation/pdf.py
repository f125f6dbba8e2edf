"""The settlement agreement (调解协议书) as a PDF, rendered by WeasyPrint (DESIGN §5).

WeasyPrint fetches whatever a document points at by default (HTTP, file:// attachments):
every render goes through SafeFetcher, which serves data: URIs and the project's own fonts
and refuses everything else. User text reaches the template only as escaped text.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.urls import URLFetcher

from accounts.models import User
from accounts.phones import mask_id_number, mask_phone

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


def render_html(html: str, fetcher: SafeFetcher | None = None) -> bytes:
    """Any HTML to PDF bytes through the safe fetcher (base URL: the font folder)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = fetcher or SafeFetcher()
    font_config = FontConfiguration()
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


def _party(name: str, phone: str) -> dict:
    user = User.objects.filter(phone=phone, phone_verified=True).first()
    id_number = user.id_number if user else ""
    return {
        "name": name,
        "id_number": mask_id_number(id_number) if id_number else "",
        "phone": mask_phone(phone),
    }


def settlement_context(settlement, *, draft: bool, language: str = "zh") -> dict:
    from .settlements import committee_name

    dispute = settlement.dispute
    url = verify_url(settlement)
    return {
        "L": LABELS["en" if language.startswith("en") else "zh"],
        "lang": "en" if language.startswith("en") else "zh-CN",
        "font_url": FONT_FILE.as_uri(),
        "draft": draft,
        "dispute": dispute,
        "settlement": settlement,
        "claimant": _party(dispute.claimant_name, dispute.claimant_phone),
        "respondent": _party(dispute.respondent_name, dispute.respondent_phone),
        "mediator": dispute.mediator.full_name if dispute.mediator else "",
        "committee": committee_name(dispute),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "generated": timezone.localtime(settlement.created_at),
    }


def render_settlement(settlement, *, draft: bool, language: str = "zh") -> bytes:
    html = render_to_string(
        "mediation/settlement.html", settlement_context(settlement, draft=draft, language=language)
    )
    return render_html(html)
