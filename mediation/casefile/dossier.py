"""The case file (卷宗) of a dispute as a PDF, and the referral letter (移送函) that carries it.

Here rather than in disputes because it needs three things mediation owns: the joint-room
transcript, the settlement versions and the WeasyPrint renderer with its safe URL fetcher
(mediation/settlements/pdf.py). mediation may import disputes, never the reverse, so placing
it here needs no seam (docs/features/casework.md).

Caucus rooms (背对背) are confidential (docs/chat-protocol.md): joint_transcript reads the joint room
only, and nothing else here touches messages. Every page carries the reader's name and the
time of download; every download is a `dossier_downloaded` timeline event with the file's
SHA-256 (disputes.casework.record_download).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts import roles
from accounts.models import StaffRole, User
from disputes import casework
from disputes.contacts import party_contact
from disputes.labels import ACTION_LABELS
from disputes.models import Dispute
from disputes.templatetags.dispute_tags import ROLE_LABELS

from ..minutes import casefile as minutes_casefile
from ..models import Message, Room, SettlementSignature
from ..settlements import pdf
from . import labels


def _lang(language: str | None) -> str:
    return "en" if (language or "").startswith("en") else "zh"


# --- the record, shared by the case page and the PDFs ------------------------------------------
def joint_transcript(dispute: Dispute) -> list[dict]:
    """Every message of the joint room in order, a voice note with its attachment's facts.
    Caucus rooms are never read here."""
    messages = (
        Message.objects.filter(room__dispute=dispute, room__kind=Room.Kind.JOINT)
        .select_related("author", "attachment")
        .order_by("seq")
    )
    return [
        {
            "seq": m.seq,
            "at": m.sent_at,
            "author": m.author.display_name,
            "role": m.author_role,
            "body": m.body,
            "voice": _voice(m),
        }
        for m in messages
    ]


def _voice(message: Message) -> dict | None:
    try:
        att = message.attachment
    except ObjectDoesNotExist:
        return None
    return {
        "name": f"#{message.seq}",
        "duration": _duration(att.duration_ms),
        "size": att.size,
        "sha256": att.sha256,
        "content_type": att.content_type,
        "author": message.author.display_name,
        "at": message.sent_at,
    }


def _duration(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds = max(1, round(ms / 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


def audio_attachments(evidence: list, transcript: list[dict]) -> list[dict]:
    """The case's recordings, listed as attachments of the case file: audio evidence (the
    filing's voice note among it) and the joint room's voice notes, oldest first. Caucus
    voice notes are not in the transcript, so never here."""
    rows = [
        {
            "kind": "evidence", "name": ev.filename, "description": ev.description, "duration": "",
            "size": ev.size, "sha256": ev.sha256, "content_type": ev.content_type,
            "author": ev.uploaded_by.display_name, "at": ev.uploaded_at,
        }
        for ev in evidence
        if ev.content_type.startswith("audio/")
    ]  # fmt: skip
    rows += [{"kind": "voice", "description": "", **m["voice"]} for m in transcript if m["voice"]]
    return sorted(rows, key=lambda row: row["at"])


def settlement_history(dispute: Dispute, language: str = "zh") -> list[dict]:
    """Every settlement version: terms, who signed, and how it ended (why it was declined)."""
    with translation.override("en" if _lang(language) == "en" else "zh-hans"):
        statuses, signer_roles = labels.settlement_status_labels(), labels.signer_role_labels()
    declines = list(
        dispute.events.filter(transition="decline_settlement").select_related("actor").order_by("at", "id")
    )
    rows = []
    for s in (
        dispute.settlements.select_related("proposed_by").prefetch_related("signatures").order_by("version")
    ):
        decline = None
        if s.end_reason == "declined":
            # The decline event that ended this version: the first one after it was proposed.
            decline = next((e for e in declines if e.at >= s.created_at), None)
        status = s.end_reason or ("sealed" if s.sealed_at else "open")
        signatures = [
            {"name": sig.signer_name, "role": signer_roles.get(sig.role, sig.role), "at": sig.signed_at}
            for sig in s.signatures.all()
            if sig.role != SettlementSignature.Role.COMMITTEE or s.sealed_at
        ]
        rows.append(
            {
                "version": s.version,
                "proposed_at": s.created_at,
                "proposed_by": s.proposed_by.display_name if s.proposed_by else "",
                "terms": s.terms,
                "amount": s.amount,
                "performance_method": s.performance_method,
                "performance_deadline": s.performance_deadline,
                "status": status,
                "status_label": statuses.get(status, status),
                "ended_at": s.ended_at,
                "reason": s.end_note,
                "declined_by": (
                    f"{decline.actor.display_name}（{signer_roles.get(decline.actor_role, '')}）"
                    if decline and decline.actor
                    else ""
                ),
                "signatures": signatures,
                "sha256": s.sha256,
            }
        )
    return rows


def _party(dispute: Dispute, reader: User, party: str) -> dict:
    """A party as this reader may see them: full contact details or masked (the page's rule)."""
    return party_contact(dispute, reader, party)


def _timeline(dispute: Dispute) -> list[dict]:
    rows = []
    for e in dispute.events.select_related("actor"):
        detail = []
        if e.payload.get("outcome"):
            detail.append(str(Dispute.Outcome(e.payload["outcome"]).label))
        if e.payload.get("referred_to"):
            detail.append(e.payload["referred_to"])
        rows.append(
            {
                "at": e.at,
                "action": str(ACTION_LABELS.get(e.transition, e.transition)),
                "to_state": str(Dispute.State(e.to_state).label)
                if e.to_state in Dispute.State.values
                else "",
                "actor": e.actor.display_name if e.actor else "",
                "role": str(ROLE_LABELS.get(e.actor_role, e.actor_role)),
                "reason": e.reason,
                "detail": " · ".join(detail),
            }
        )
    return rows


def case_file(dispute: Dispute, reader: User, language: str = "zh") -> dict:
    """Everything the case file shows, as this reader may see it."""
    evidence = list(dispute.evidence.select_related("uploaded_by"))
    transcript = joint_transcript(dispute)
    return {
        "dispute": dispute,
        "claimant": _party(dispute, reader, "claimant"),
        "respondent": _party(dispute, reader, "respondent"),
        "timeline": _timeline(dispute),
        "requests": list(dispute.info_requests.select_related("asked_by", "answered_by")),
        "evidence": evidence,
        "transcript": transcript,
        "recordings": audio_attachments(evidence, transcript),
        "settlements": settlement_history(dispute, language),
        "minutes": minutes_casefile.joint_minutes(dispute),  # joint sessions only
    }


# --- the PDFs ----------------------------------------------------------------------------------------
def _render(template: str, dispute: Dispute, reader: User, at: datetime, language: str, **extra) -> str:
    lang = _lang(language)
    with translation.override("en" if lang == "en" else "zh-hans"):
        words = labels.case_file_labels()
        context = {
            **case_file(dispute, reader, lang),
            "L": words,
            "lang": "en" if lang == "en" else "zh-CN",
            "doc_language": lang,
            "font_url": pdf.FONT_FILE.as_uri(),
            "reader": reader.display_name,
            "generated": timezone.localtime(at),
            **extra,
        }
        context["parties"] = [
            (words["claimant"], context["claimant"]),
            (words["respondent"], context["respondent"]),
        ]
        return render_to_string(template, context)


def _fresh(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_related("category", "grid__parent", "mediator", "case_handler").get(
        pk=dispute.pk
    )


def _office(handler: User | None, dispute: Dispute) -> str:
    """The handler's office: the deepest region where they are a case handler over the dispute."""
    if handler is None:
        return ""
    office = roles.office_of(handler, StaffRole.Role.CASE_HANDLER, dispute.grid)
    return office.name if office else ""


def dossier_html(dispute: Dispute, reader: User, at: datetime) -> str:
    """The case file's HTML as this reader may see it, in the dispute's language (like its other
    documents, pdf.document_language), stamped with the reader and the download time."""
    dispute = _fresh(dispute)
    return _render("disputes/case/dossier.pdf.html", dispute, reader, at, pdf.document_language(dispute))


def referral_letter_html(dispute: Dispute, reader: User, at: datetime) -> str:
    """The referral letter, in the dispute's language, with the case file appended as pages.
    The caller has checked that the dispute was referred."""
    sent = casework.referral(dispute)
    dispute = _fresh(dispute)
    escalations = dispute.events.filter(to_state=Dispute.State.ESCALATED).exclude(
        from_state=Dispute.State.ESCALATED
    )
    language = pdf.document_language(dispute)
    with translation.override("en" if _lang(language) == "en" else "zh-hans"):
        outcome = labels.outcome_labels().get(sent.payload.get("outcome"), "")
    return _render(
        "disputes/case/referral_letter.pdf.html", dispute, reader, at, language,
        referral=sent, sent_at=timezone.localtime(sent.at), office=_office(sent.actor, dispute),
        outcome_label=outcome,
        escalation_reasons=[e.reason for e in escalations if e.reason],
    )  # fmt: skip


BUILDERS = {"dossier": dossier_html, "referral_letter": referral_letter_html}


def build(document: str, dispute_id: int, reader_id: int):
    """build(at) -> HTML for the render task (docs/features/casework.md)."""
    dispute = Dispute.objects.get(pk=dispute_id)
    reader = User.objects.get(pk=reader_id)
    return lambda at: BUILDERS[document](dispute, reader, at)
