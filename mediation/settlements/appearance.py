"""Visible signatures on the agreement: where each one goes and how it looks
(docs/features/settlements.md, "Signature blocks and the seal").

The agreement's template reserves a slot for every signer in its final signature block
(`<div class="slot" id="sig-ROLE">` with a zero-size `sig-ROLE-end` at its bottom-right
corner). WeasyPrint writes each id as a named destination, so the slot's page and box are read
back from the PDF itself, whatever page the block landed on. A party's or the mediator's
signature shows a text stamp (name, role in the document's language, signing time); the
committee seal shows the committee's round seal, rendered by WeasyPrint from
templates/mediation/settlements/seal.svg.html and drawn as the stamp's background. A PDF
without slots (an older agreement) is signed as before: an invisible field.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from . import labels

RED = "#d40000"
SEAL_MM = 40  # the seal's diameter on paper (and its slot's side in settlement.html)
SEAL_USE = "调解专用章"  # under the star, whatever the document's language: the seal is Chinese
SLOT = "sig-{role}"
SLOT_END = "sig-{role}-end"
MM = 72 / 25.4


@dataclass(frozen=True)
class Slot:
    page: int  # zero-based page index
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points


@dataclass(frozen=True)
class Appearance:
    """What signing.sign needs for a visible signature."""

    on_page: int
    box: tuple[float, float, float, float]
    style: object  # a pyHanko stamp style
    text_params: dict = field(default_factory=dict)


# --- where: the slots' named destinations ----------------------------------------------------------
def _page_refs(reader) -> list[int]:
    """Object numbers of the pages, in order."""
    refs: list[int] = []

    def walk(node_ref):
        node = node_ref.get_object()
        if node.get("/Type") == "/Page":
            refs.append(node_ref.idnum)
            return
        for kid in node.raw_get("/Kids"):
            walk(kid)

    walk(reader.root.raw_get("/Pages"))
    return refs


def _destinations(reader) -> dict[str, tuple[int, float, float]]:
    """Named destination → (page object number, x, y) for /XYZ destinations."""
    found: dict[str, tuple[int, float, float]] = {}
    names = reader.root.get("/Names")
    if names is None or "/Dests" not in names:
        return found

    def walk(node):
        node = node.get_object()
        pairs = node.get("/Names")
        if pairs is not None:
            for i in range(0, len(pairs) - 1, 2):
                dest = pairs[i + 1].get_object()
                if isinstance(dest, dict) or hasattr(dest, "keys"):
                    dest = dest.get("/D")
                if dest is not None and len(dest) >= 4 and str(dest[1]) == "/XYZ":
                    found[str(pairs[i])] = (dest.raw_get(0).idnum, float(dest[2]), float(dest[3]))
        for kid in node.get("/Kids") or []:
            walk(kid)

    walk(names["/Dests"])
    return found


def slot(pdf: bytes, role: str) -> Slot | None:
    """The box the template reserved for `role`'s signature, or None if it has none."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    dests = _destinations(reader)
    start, end = dests.get(SLOT.format(role=role)), dests.get(SLOT_END.format(role=role))
    if start is None or end is None or start[0] != end[0]:
        return None
    pages = _page_refs(reader)
    if start[0] not in pages:
        return None
    x1, y2 = start[1], start[2]
    x2, y1 = end[1], end[2]
    if x2 - x1 < 10 or y2 - y1 < 10:
        return None
    return Slot(page=pages.index(start[0]), box=(round(x1, 2), round(y1, 2), round(x2, 2), round(y2, 2)))


# --- how: the stamps ---------------------------------------------------------------------------------
def _pdf_page(data: bytes):
    """pyHanko's ImportedPdfPage, from bytes instead of a file name (first page)."""
    import binascii
    import uuid

    from pyhanko.pdf_utils import content
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.reader import PdfFileReader

    class BytesPage(content.ImportedPdfPage):
        def render(self) -> bytes:
            xobj = self._ensure_writer.import_page_as_xobject(PdfFileReader(io.BytesIO(data)), page_ix=0)
            name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
            self.resources.xobject[name.decode("ascii")] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return name + b" Do"

    return BytesPage("seal.pdf")


def _star(cx: float, cy: float, outer: float, inner: float) -> str:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return " ".join(points)


def _rim(name: str) -> tuple[list[dict], float]:
    """The committee's name around the upper rim, each character upright toward the edge."""
    chars = [c for c in name if not c.isspace()] or ["　"]
    size = 26 if len(chars) <= 10 else max(14, 26 - (len(chars) - 10) * 1.2)
    step = min(26.0, 250.0 / max(len(chars), 1)) if len(chars) > 1 else 0.0
    first = -step * (len(chars) - 1) / 2
    baseline = 100 - 86 + size * 0.9  # the glyph's top just inside the ring
    return [
        {"char": c, "angle": round(first + i * step, 2), "baseline": round(baseline, 2)}
        for i, c in enumerate(chars)
    ], round(size, 1)


def seal_html(committee_name: str) -> str:
    from .pdf import FONT_FILE

    rim, rim_size = _rim(committee_name)
    return render_to_string(
        "mediation/settlements/seal.svg.html",
        {
            "font_url": FONT_FILE.as_uri(),
            "size_mm": SEAL_MM,
            "red": RED,
            "star": _star(100, 92, 32, 12.5),
            "rim": rim,
            "rim_size": rim_size,
            "use": SEAL_USE,
        },
    )


def seal_pdf(committee_name: str) -> bytes:
    """The round seal as a one-page PDF (cached by its HTML)."""
    from core.cache import get_or_compute

    from .pdf import render_html

    html = seal_html(committee_name)
    key = "seal:" + hashlib.sha256(html.encode()).hexdigest()
    return get_or_compute(key, lambda: render_html(html), settings.PDF_CACHE_SECONDS)


@lru_cache(maxsize=1)
def _font_factory():
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    from .pdf import FONT_FILE

    return GlyphAccumulatorFactory(str(FONT_FILE), font_size=10)


def stamp_style(*, role: str, seal: bool = False, committee_name: str = "", language: str = "zh-hans"):
    """The seal's round seal, or a signer's text stamp: name, role, signing time."""
    from pyhanko.pdf_utils import layout, text
    from pyhanko.stamp import StaticStampStyle, TextStampStyle

    if seal:
        return StaticStampStyle(
            background=_pdf_page(seal_pdf(committee_name)),
            background_opacity=1.0,
            border_width=0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins.uniform(0),
            ),
        )
    return TextStampStyle(
        stamp_text="%(signer)s\n%(role)s\n%(signed)s %(at)s",
        text_box_style=text.TextBoxStyle(font=_font_factory(), font_size=10, leading=13),
        border_width=1,
        border_color=(0.35, 0.35, 0.35),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=6, right=4, top=3, bottom=3),
        ),
    )


def text_params(*, role: str, language: str, at: datetime | None = None) -> dict:
    """The stamp's words in the document's language (the signer's name comes from the signature)."""
    with labels.in_language(language):
        words = labels.role_labels()
    at = timezone.localtime(at or timezone.now())
    return {
        "role": str(words.get(role, role)),
        "signed": str(words["signed_at"]),
        "at": f"{at:%Y-%m-%d %H:%M}",
    }


def field_spec(pdf: bytes, field_name: str, *, role: str, seal: bool = False, committee_name: str = "",
               language: str = "zh-hans"):  # fmt: skip
    """The pyHanko SigFieldSpec for `role`'s signature: in its slot when the PDF has one."""
    from . import signing

    place = slot(pdf, role)
    if place is None:
        return signing.field_spec(field_name, seal=seal)
    return signing.field_spec(field_name, seal=seal, box=place.box, on_page=place.page)


def for_signature(pdf: bytes, *, role: str, seal: bool = False, committee_name: str = "",
                  language: str = "zh-hans", at: datetime | None = None, slot_name: str | None = None,
                  role_text: str | None = None) -> Appearance | None:  # fmt: skip
    """Everything signing.sign needs to make `role`'s signature visible; None without a slot.
    `slot_name` (default: the role) picks a party's own slot when a side has several;
    `role_text` replaces the role's name on the stamp (an agent: "代理人（代理 张三）")."""
    place = slot(pdf, slot_name or role)
    if place is None:
        return None
    params = {} if seal else text_params(role=role, language=language, at=at)
    if role_text and not seal:
        params["role"] = role_text
    return Appearance(
        on_page=place.page,
        box=place.box,
        style=stamp_style(role=role, seal=seal, committee_name=committee_name, language=language),
        text_params=params,
    )
