"""No missing glyphs: rare Han, Tibetan, emoji and piles of combining marks all get a real glyph
from a font embedded in the PDF; long unbroken words get break opportunities."""

from __future__ import annotations

import io
import logging
import subprocess
import unicodedata

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from mediation.settlements import agreements as settlements
from mediation.settlements import pdf

pytestmark = pytest.mark.django_db

COMBINING = "a" + "".join(chr(0x300 + n % 0x70) for n in range(5000))
HOSTILE = ["𠀀", "𪚥", "买买提·艾力", "བཀྲ་ཤིས་བདེ་ལེགས", "😀", COMBINING]


SOURCES = {  # the font each embedded subset was cut from
    "TJ-Sans-SC": pdf.FONT_FILE,
    "TJ-Latin": pdf.FONT_DIR / "TJLatin-NotoSans-subset.ttf",
    "TJ-Tibetan": pdf.FONT_DIR / "TJTibetan-NotoSerifTibetan-subset.ttf",
    "Symbola": pdf.FONT_DIR / "TJEmoji-Symbola-subset.ttf",
    "HanaMinB": "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
}


def source_cmap(embedded_name: str) -> set[int]:
    """The code points of the font an embedded subset (ABCDEF+Name) was cut from."""
    name = embedded_name.split("+", 1)[1]
    source = next((path for key, path in SOURCES.items() if name.startswith(key)), None)
    if source is None:  # a system font fontconfig chose (e.g. DejaVu Sans for an emoji): ask it which file
        family = name.replace("-", " ")
        source = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout
    return set(TTFont(source, lazy=True).getBestCmap())


def embedded_fonts(content: bytes) -> dict[str, set[int]]:
    """Every font program embedded in the PDF, by name, with the code points its cmap maps."""
    reader = PdfFileReader(io.BytesIO(content))
    fonts: dict[str, set[int]] = {}
    for page in reader.root["/Pages"]["/Kids"]:
        for ref in page.get_object()["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            cmap = TTFont(io.BytesIO(program.get_object().data)).getBestCmap() or {}
            fonts[str(descriptor["/FontName"])] = set(cmap)
    return fonts


def test_rare_han_tibetan_emoji_and_combining_marks_have_glyphs(dispute, advance, tmp_path, caplog):
    dispute.description = "　".join(HOSTILE)
    dispute.save(update_fields=["description"])
    settlement = settlements.current(advance(dispute, "awaiting_signatures"))
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        content = pdf.render_settlement(settlement, draft=True)

    # WeasyPrint logs every character it had to draw as .notdef (a blank box): none but spaces.
    notdef = [r.getMessage() for r in caplog.records if ".notdef" in r.getMessage()]
    assert all("U+0020" in m or "U+3000" in m for m in notdef), notdef
    # pdffonts: every font is embedded.
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = listing.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), listing
    # Each character (canonically decomposed, as the shaper sees it) is in the cmap of a font
    # that is embedded: the subset's own cmap for whole glyphs, its source font's for the
    # characters shaped into ligatures or stacks (Tibetan subjoined letters, marks).
    fonts = embedded_fonts(content)
    covered = set().union(*fonts.values(), *(source_cmap(name.lstrip("/")) for name in fonts))
    wanted = unicodedata.normalize("NFD", "".join(HOSTILE))
    missing = {
        hex(ord(c))
        for c in wanted
        if unicodedata.category(c) not in ("Zs", "Cf", "Mn") and ord(c) not in covered
    }
    missing |= {
        hex(ord(c))
        for c in wanted
        if unicodedata.category(c) == "Mn" and ord(c) not in covered and c != "\u034f"
    }
    assert not missing, (missing, sorted(fonts))
    assert any("Tibetan" in name for name in fonts) and any("TJ-Sans-SC" in name for name in fonts)
    # And the text comes back out.
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = "".join(text.split())
    for word in HOSTILE[:5]:
        assert word in flat, word


def test_long_unbroken_words_get_break_opportunities_outside_tags():
    html = '<html><head><style>a{src:url("file:///' + "x" * 80 + '")}</style></head><body><p title="'
    html += "y" * 80 + '">' + "A" * 40 + "&amp;" + "中" * 40 + COMBINING[:40] + "</p></body></html>"
    out = pdf.breakable_html(html)
    head, body = out.split("<body", 1)
    assert pdf.ZWSP not in head and 'title="' + "y" * 80 + '"' in body and "&amp;" in out
    assert "A" * 16 + pdf.ZWSP + "A" * 16 + pdf.ZWSP + "A" * 8 in body
    assert "中" * 40 in body  # CJK breaks anywhere already
    assert pdf.ZWSP not in COMBINING[:40] and COMBINING[:40] in body  # never inside a cluster
