"""Pinyin keys for finding places and regions as one types (docs/features/places.md).

`pinyin` is the full reading, `initials` the first letter of each syllable; both lower case
with everything but letters and digits removed, so "怡乐花园3栋" gives "yilehuayuan3dong" and
"ylhy3d". Characters that are not Chinese are kept as they are (lower case). A character with
several readings takes the one pypinyin's phrase dictionary gives in context.

`grams` holds the name's distinct two-character pieces: PostgreSQL finds a Chinese substring
through a GIN index on them (accounts migration 0010), whatever the database's LC_CTYPE.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_KEEP = re.compile(r"[^0-9a-z]+")
MAX_GRAMS = 60


def _clean(text: str) -> str:
    return _KEEP.sub("", text.lower())


def keys(name: str) -> tuple[str, str]:
    """(pinyin, initials) of a name."""
    name = name or ""
    full = "".join(_clean(s) for s in lazy_pinyin(name))
    initials = "".join(_clean(s) for s in lazy_pinyin(name, style=Style.FIRST_LETTER))
    return full, initials


def bigrams(text: str) -> list[str]:
    """The distinct two-character pieces of `text` (lower case, spaces removed), in order."""
    text = "".join((text or "").lower().split())
    seen: dict[str, None] = {}
    for i in range(len(text) - 1):
        seen.setdefault(text[i : i + 2], None)
    return list(seen)


def grams(name: str) -> str:
    """The stored form of `bigrams(name)`: space-separated, at most MAX_GRAMS of them."""
    return " ".join(bigrams(name)[:MAX_GRAMS])


def fill(obj, name_field: str = "name") -> None:
    """Set `pinyin`, `initials` (and `grams` where the model has it) from the object's name."""
    name = getattr(obj, name_field)
    obj.pinyin, obj.initials = keys(name)
    obj.pinyin, obj.initials = obj.pinyin[:600], obj.initials[:200]
    if hasattr(obj, "grams"):
        obj.grams = grams(name)
