"""Accessibility check in the browser with axe-core (tests/e2e/vendor, MPL-2.0, shipped as a
file: no CDN, no npm at test time). docs/testing.md says what it checks."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
# WCAG 2.0–2.2 A and AA rules (contrast among them) and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe's violations of the given impacts on the page as it is now, each with the selectors
    of the nodes at fault."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (script-src 'self' with
        # a nonce) does not govern; a <script> tag would be refused, and bypassing the CSP
        # would test a page the user never gets.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # ;0: nothing to serialise back
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in found["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page) -> None:
    """No serious or critical axe violations on the page."""
    found = violations(page)
    assert not found, found
