"""The Chinese documents as they read before the language work (docs/features/settlements.md):
pdftotext of each, with what changes between runs (references, dates, codes, hashes) blanked.
Set TIAOJIE_WRITE_GOLDEN=1 to write the files instead of comparing."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path

FOLDER = Path(__file__).parent / "golden"

_VARYING = [
    # The code is letter-spaced: pdftotext may split it anywhere.
    (re.compile(r"^(验证码：).*$", re.M), r"\1CODE"),
    (re.compile(r"TJ-\d{4}-\d{6}"), "REF"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "HASH"),
    (re.compile(r"1\d\d\*{4}\d{4}"), "PHONE"),  # masked; the factory numbers phones in test order
    (re.compile(r"/verify/[^/\s]+/"), "/verify/CODE/"),
    (re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?"), "DATE"),
    (re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"), "DATE"),
]


def text(content: bytes, tmp_path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def normalised(content: bytes, tmp_path, *, codes: tuple[str, ...] = ()) -> str:
    out = text(content, tmp_path)
    for code in codes:
        out = out.replace(code, "CODE")
    for pattern, replacement in _VARYING:
        out = pattern.sub(replacement, out)
    return "\n".join(line.rstrip() for line in out.splitlines()).strip() + "\n"


def check(name: str, content: bytes, tmp_path, *, codes: tuple[str, ...] = ()) -> None:
    got = normalised(content, tmp_path, codes=codes)
    path = FOLDER / f"{name}.txt"
    if os.environ.get("TIAOJIE_WRITE_GOLDEN"):
        FOLDER.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert got == path.read_text(encoding="utf-8"), name
