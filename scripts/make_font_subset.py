"""Build static/fonts/NotoSansSC-Regular-subset.otf from Debian's fonts-noto-cjk.

The .ttc holds several faces and @font-face would use only the first (Japanese glyph
forms), so the Simplified Chinese face is extracted and cut to GB2312 + Latin-1 + CJK
punctuation. Run: .venv/bin/python scripts/make_font_subset.py
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TARGET = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSansSC-Regular-subset.otf"


def gb2312() -> set[int]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def main() -> None:
    collection = TTCollection(SOURCE)
    face = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    codepoints = gb2312() | set(range(0x20, 0x100)) | set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040))
    codepoints |= set(range(0xFF00, 0xFFF0))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(face)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    face.save(TARGET)
    print(TARGET, TARGET.stat().st_size)


if __name__ == "__main__":
    main()
