"""Build the PDF fallback fonts in static/fonts/ from Debian's fonts-noto-core and fonts-symbola
(static/fonts/FALLBACK-FONTS.txt says what each holds and its licence).
Run: .venv/bin/python scripts/make_fallback_fonts.py
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
NOTO = Path("/usr/share/fonts/truetype/noto")
CUTS = [
    (
        NOTO / "NotoSans-Regular.ttf",
        "TJLatin-NotoSans-subset.ttf",
        [(0x20, 0x24F), (0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1EFF), (0x2000, 0x20CF),
         (0xFE20, 0xFE2F), (0x25CC, 0x25CC)],
    ),
    (NOTO / "NotoSerifTibetan-Regular.ttf", "TJTibetan-NotoSerifTibetan-subset.ttf", [(0xF00, 0xFFF), (0x25CC, 0x25CC)]),
    (
        Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),
        "TJEmoji-Symbola-subset.ttf",
        [(0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF), (0xFE0F, 0xFE0F), (0x200D, 0x200D)],
    ),
]  # fmt: skip


def cut(source: Path, target: str, ranges: list[tuple[int, int]]) -> None:
    font = TTFont(source)
    cmap = font.getBestCmap()
    codepoints = {c for low, high in ranges for c in range(low, high + 1) if c in cmap}
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.save(FONTS / target)
    print(target, len(codepoints), (FONTS / target).stat().st_size)


if __name__ == "__main__":
    for source, target, ranges in CUTS:
        cut(source, target, ranges)
