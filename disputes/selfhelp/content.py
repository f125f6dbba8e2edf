"""The content format of a guide version and its checks (docs/features/self-help.md).

A version's content is JSON:

    {"start": "<question id>",
     "questions": {"<id>": {"text": T, "help": T?, "options": [{"label": T, "next": "<question id>"}
                                                               | {"label": T, "outcome": "<outcome id>"}]}},
     "outcomes": {"<id>": {"title": T, "summary": T?, "steps": [T, ...],
                           "rules": [{"text": T, "source": T}], "referral": {"body": B, "text": T} | null,
                           "mediation": bool, "letters": [{"key": "<slug>", "title": T, "body": T}]}}}

where T is {"zh": "...", "en": "..."} and B one of REFERRAL_BODIES. Letter bodies may use the
placeholders {name} of LETTER_FIELDS, filled from the resident's letter form.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ID = re.compile(r"^[a-z0-9_-]{1,50}$")
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]*)\}")
LANGS = ("zh", "en")

# Placeholder → (label, longest value, multi-line). `today` is filled by the server.
LETTER_FIELDS: dict[str, tuple] = {
    "claimant_name": (_("Your name"), 50, False),
    "respondent_name": (_("The other side's name"), 100, False),
    "address": (_("Address (your home, the flat or the shop)"), 200, False),
    "incident_date": (_("When it started or happened"), 50, False),
    "amount": (_("Amount in yuan"), 20, False),
    "reply_by": (_("Answer wanted by (date)"), 50, False),
    "details": (_("What happened, in a few lines"), 1000, True),
    "today": (_("Today's date"), 20, False),
}
FORM_FIELDS = [name for name in LETTER_FIELDS if name != "today"]

REFERRAL_BODIES = {
    "labour-arbitration": _("Labour dispute arbitration commission (劳动人事争议仲裁委员会)"),
    "consumer-association": _("Consumer association / 12315 hotline"),
    "court": _("People's court"),
    "owners-committee": _("Owners' committee / housing authority"),
    "police": _("Police (110) or the environmental authority"),
    "legal-aid": _("Legal aid centre (12348)"),
}


class ContentError(ValueError):
    """The content breaks the format; `errors` lists every fault found, in words for an editor."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def validate(content) -> None:
    """Raise ContentError listing every fault of `content` (an empty list never raises)."""
    errors: list[str] = []
    if not isinstance(content, dict):
        raise ContentError([str(_("The content must be a JSON object."))])
    questions = content.get("questions")
    outcomes = content.get("outcomes")
    if not isinstance(questions, dict) or not questions:
        errors.append(str(_("“questions” must be an object with at least one question.")))
        questions = {}
    if not isinstance(outcomes, dict) or not outcomes:
        errors.append(str(_("“outcomes” must be an object with at least one outcome.")))
        outcomes = {}
    if content.get("start") not in questions:
        errors.append(str(_("“start” must name a question.")))
    for qid, q in questions.items():
        where = f"question {qid}"
        if not ID.match(str(qid)) or not isinstance(q, dict):
            errors.append(f"{where}: " + str(_("ids are lower-case letters, digits, - or _")))
            continue
        _text(q.get("text"), f"{where} text", errors)
        if "help" in q:
            _text(q["help"], f"{where} help", errors)
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 2:
            errors.append(f"{where}: " + str(_("give at least two options")))
            continue
        for i, opt in enumerate(options, 1):
            at = f"{where} option {i}"
            if not isinstance(opt, dict):
                errors.append(f"{at}: " + str(_("must be an object")))
                continue
            _text(opt.get("label"), f"{at} label", errors)
            nxt, out = opt.get("next"), opt.get("outcome")
            if (nxt is None) == (out is None):
                errors.append(f"{at}: " + str(_("give exactly one of “next” or “outcome”")))
            elif nxt is not None and nxt not in questions:
                errors.append(f"{at}: " + str(_("points to a missing question “%s”")) % nxt)
            elif out is not None and out not in outcomes:
                errors.append(f"{at}: " + str(_("points to a missing outcome “%s”")) % out)
    for oid, o in outcomes.items():
        where = f"outcome {oid}"
        if not ID.match(str(oid)) or not isinstance(o, dict):
            errors.append(f"{where}: " + str(_("ids are lower-case letters, digits, - or _")))
            continue
        _text(o.get("title"), f"{where} title", errors)
        if "summary" in o:
            _text(o["summary"], f"{where} summary", errors)
        steps = o.get("steps")
        if not isinstance(steps, list) or not steps:
            errors.append(f"{where}: " + str(_("an outcome needs at least one step")))
        else:
            for i, step in enumerate(steps, 1):
                _text(step, f"{where} step {i}", errors)
        for i, rule in enumerate(o.get("rules") or [], 1):
            if not isinstance(rule, dict):
                errors.append(f"{where} rule {i}: " + str(_("must be an object")))
                continue
            _text(rule.get("text"), f"{where} rule {i} text", errors)
            _text(rule.get("source"), f"{where} rule {i} source", errors)
        referral = o.get("referral")
        if referral is not None:
            if not isinstance(referral, dict) or referral.get("body") not in REFERRAL_BODIES:
                errors.append(
                    f"{where} referral: " + str(_("“body” must be one of %s")) % ", ".join(REFERRAL_BODIES)
                )
            else:
                _text(referral.get("text"), f"{where} referral text", errors)
        if not isinstance(o.get("mediation"), bool):
            errors.append(f"{where}: " + str(_("“mediation” must be true or false")))
        keys = set()
        for i, letter in enumerate(o.get("letters") or [], 1):
            at = f"{where} letter {i}"
            if not isinstance(letter, dict) or not ID.match(str(letter.get("key", ""))):
                errors.append(f"{at}: " + str(_("needs a “key” (lower-case letters, digits, - or _)")))
                continue
            if letter["key"] in keys:
                errors.append(f"{at}: " + str(_("the key “%s” is used twice")) % letter["key"])
            keys.add(letter["key"])
            _text(letter.get("title"), f"{at} title", errors)
            if _text(letter.get("body"), f"{at} body", errors):
                for lang in LANGS:
                    for name in PLACEHOLDER.findall(letter["body"][lang]):
                        if name not in LETTER_FIELDS:
                            errors.append(
                                f"{at} body ({lang}): "
                                + str(_("unknown placeholder {%(name)s}; known: %(known)s"))
                                % {"name": name, "known": ", ".join(LETTER_FIELDS)}
                            )
    loop = _loop(questions)
    if loop:
        errors.append(str(_("the questions loop: %s")) % " → ".join(loop))
    if errors:
        raise ContentError(errors)


def _loop(questions: dict) -> list[str]:
    """A path of questions that comes back to itself (a walk would never end), or []."""
    done: set[str] = set()

    def visit(qid: str, path: list[str]) -> list[str]:
        if qid in path:
            return [*path[path.index(qid) :], qid]
        if qid in done or not isinstance(questions.get(qid), dict):
            return []
        for opt in questions[qid].get("options") or []:
            nxt = opt.get("next") if isinstance(opt, dict) else None
            if isinstance(nxt, str):
                found = visit(nxt, [*path, qid])
                if found:
                    return found
        done.add(qid)
        return []

    for qid in questions:
        found = visit(str(qid), [])
        if found:
            return found
    return []


def _text(value, where: str, errors: list[str]) -> bool:
    """A {"zh", "en"} pair of non-empty strings."""
    if not isinstance(value, dict):
        errors.append(f"{where}: " + str(_("must be {“zh”: …, “en”: …}")))
        return False
    ok = True
    for lang in LANGS:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            errors.append(f"{where}: " + str(_("the %s text is missing")) % lang)
            ok = False
    return ok


def lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def t(value: dict | None) -> str:
    """The text of a {"zh", "en"} pair in the page's language."""
    return (value or {}).get(lang(), "")


# --- letters -------------------------------------------------------------------------------
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def clean_value(name: str, value: str) -> str:
    """A letter field's value, bounded and without control characters; a single-line field
    loses its line breaks (CR/LF never reach a letter line unasked)."""
    _label, longest, multi = LETTER_FIELDS[name]
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\n", "\n" if multi else " ")
    value = CONTROL.sub("", value).strip()
    return value[:longest]


def fields_of(letter: dict) -> list[str]:
    """The form fields a letter needs, in LETTER_FIELDS order (`today` is never asked)."""
    used = set(PLACEHOLDER.findall(letter["body"]["zh"])) | set(PLACEHOLDER.findall(letter["body"]["en"]))
    return [name for name in FORM_FIELDS if name in used]


def fill(letter: dict, values: dict, *, today: date) -> str:
    """The letter's body in the page's language with the placeholders filled. Plain text: the
    HTML page escapes it when it shows it. A field left empty becomes a blank line to fill by hand."""
    facts = {name: clean_value(name, values.get(name, "")) for name in FORM_FIELDS}
    facts["today"] = today.isoformat()

    def one(match: re.Match) -> str:
        return facts.get(match.group(1)) or "________"

    return PLACEHOLDER.sub(one, t(letter["body"]))
