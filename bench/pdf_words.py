#!/usr/bin/env python
"""What a long unbroken word costs a PDF render, against ordinary prose (docs/security.md).

Usage: python bench/pdf_words.py [--rounds 5]
Renders six paragraphs of 4,000 unbroken characters and six of 800 words of prose through
`pdf.render_html` (which inserts break opportunities) and, for the "before" figure, the same
unbroken text straight through WeasyPrint. Prints the CPU medians and the ratio; the goal is
unbroken text under twice the cost of prose.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def page(body: str) -> str:
    return f"<html><body>{''.join(f'<p style=overflow-wrap:anywhere>{body}</p>' for _ in range(6))}</body></html>"


def cpu(render, html: str) -> float:
    start = time.process_time()
    render(html)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    import django

    django.setup()
    from weasyprint import HTML

    from mediation.settlements import pdf

    def unprotected(html: str) -> bytes:
        return HTML(string=html).write_pdf()

    cpu(pdf.render_html, page("A"))  # warm up fonts
    cases = {
        "prose, 6 × 800 words": (pdf.render_html, page(" ".join(["word"] * 800))),
        "unbroken, 6 × 4,000 characters": (pdf.render_html, page("A" * 4000)),
        "unbroken, without break opportunities": (unprotected, page("A" * 4000)),
    }
    medians = {name: statistics.median(cpu(*case) for _ in range(rounds)) for name, case in cases.items()}
    for name, seconds in medians.items():
        print(f"{name:40s} {seconds:6.3f} s CPU (median of {rounds})")
    names = list(medians)
    print(f"unbroken / prose: {medians[names[1]] / medians[names[0]]:.2f}× (goal < 2×)")


if __name__ == "__main__":
    main()
