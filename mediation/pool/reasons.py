"""Ranking reasons in plain words, in the reader's language."""

from __future__ import annotations

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

LEVELS = {"community": lambda: _("same community"), "street": lambda: _("same street"),
          "district": lambda: _("district pool")}  # fmt: skip


def describe(reasons: list) -> str:
    """[["proximity", {"level": "community"}], ["expertise", {...}], ...] → "same community, …"."""
    return _(", ").join(filter(None, (_phrase(code, params) for code, params in reasons)))


def describe_codes(codes) -> str:
    """Refusal codes without their parameters (an assignment flag's counts) in words."""
    return describe([[code, {}] for code in codes]) if codes else ""


def _phrase(code: str, params: dict) -> str:
    if code == "proximity":
        return LEVELS.get(params.get("level"), LEVELS["community"])()
    if code == "expertise":
        english = (get_language() or "").startswith("en")
        name = params.get("name_en" if english else "name") or params.get("category", "")
        return _("%(category)s expertise") % {"category": name}
    if code == "load":
        n = params.get("open", 0)
        return ngettext("%(n)d open case", "%(n)d open cases", n) % {"n": n}
    if code == "language_gap":
        return _("does not speak every party's language")
    return REFUSALS.get(code, lambda p: code)(params)


REFUSALS = {
    "inactive": lambda p: _("not active"),
    "on_leave": lambda p: _("on leave"),
    "at_capacity": lambda p: _("caseload full (%(open)d of %(max)d)") % p,
    "conflict_phone": lambda p: _("shares a phone number with a party"),
    "conflict_family": lambda p: _("same surname and address as a party"),
    "conflict_past_dispute": lambda p: _("was a party to a dispute with one of the parties"),
    "excluded_declined": lambda p: _("declined this dispute"),
    "excluded_replaced": lambda p: _("was replaced on this dispute"),
}
