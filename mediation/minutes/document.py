"""The minutes as a PDF (docs/features/minutes.md), through the settlement PDF machinery
(mediation/settlements/pdf.py: the safe URL fetcher and the embedded Chinese fonts). In the
dispute's document language, like the agreement; user text reaches the template escaped."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..settlements import labels as doc_labels
from ..settlements import pdf

TEMPLATE = "mediation/minutes/minutes.pdf.html"


def minutes_labels() -> dict:
    """The document's words in the active language."""
    return {
        "title": pgettext("minutes document", "Minutes of mediation session"),
        "reference": _("Dispute reference"),
        "subject": _("Dispute"),
        "session": _("Session"),
        "time": _("Time"),
        "mode": _("Mode"),
        "place": _("Place"),
        "phone_session": _("By phone"),
        "room": _("Room"),
        "present": _("Present"),
        "others": _("Others present"),
        "statements": _("Statements"),
        "agreed": _("What was agreed"),
        "nothing_agreed": _("Nothing was agreed."),
        "confirmations": _("Confirmations"),
        "recorded_by": _("Recorded by the mediator"),
        "confirmed_by_code": _("confirmed with an SMS code"),
        "awaiting": _("Not yet confirmed by"),
        "version": _("Version"),
        "finalised": _("Finalised"),
        "draft": pgettext("minutes document", "DRAFT"),
        "colon": pgettext("document punctuation", ": "),
        "minutes_unit": _("minutes"),
    }


def side_labels() -> dict:
    return {
        "claimant": _("Claimant"),
        "respondent": _("Respondent"),
        "mediator": _("Mediator"),
        "other": _("Other"),
    }


def context(minutes, *, draft: bool = False) -> dict:
    """What the document shows (call under the document's language)."""
    from . import access

    session = minutes.session
    dispute = session.dispute
    language = pdf.document_language(dispute)
    sides = side_labels()
    confirmed = access.confirmations(minutes)
    done = {c.user_id for c in confirmed}
    return {
        "L": minutes_labels(),
        "lang": doc_labels.html_lang(language),
        "doc_language": language,
        "font_url": pdf.FONT_FILE.as_uri(),
        "draft": draft,
        "dispute": dispute,
        "session": session,
        "minutes": minutes,
        "starts_at": timezone.localtime(session.starts_at),
        "mode": session.get_mode_display(),
        "room": session.room.get_kind_display(),
        "present": present_rows(minutes),
        "statements": [{**s, "side_label": sides.get(s["side"], s["side"])} for s in minutes.statements],
        "mediator": minutes.written_by.full_name or minutes.written_by.display_name,
        "confirmations": [
            {"name": c.name, "role": sides.get(c.role, c.role), "at": timezone.localtime(c.confirmed_at)}
            for c in confirmed
        ],
        "awaiting": [
            u.full_name or u.display_name for u in access.confirming_parties(minutes) if u.pk not in done
        ],
        "finalised_at": timezone.localtime(minutes.finalised_at) if minutes.finalised_at else None,
    }


def present_rows(minutes) -> list[dict]:
    from ..chat import rooms

    sides = side_labels()
    members = rooms.members(minutes.session.room)
    rows = []
    for user in minutes.present.order_by("pk"):
        role = members.get(user.pk, {}).get("role", "other")
        rows.append({"name": user.full_name or user.display_name, "side": sides.get(role, role)})
    return rows


def html(minutes, *, draft: bool = False) -> str:
    language = pdf.document_language(minutes.session.dispute)
    with doc_labels.in_language(language):
        return render_to_string(TEMPLATE, context(minutes, draft=draft))


def render(minutes, *, draft: bool = False) -> bytes:
    return pdf.render_html(html(minutes, draft=draft))
