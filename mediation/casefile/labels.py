"""The case file's and the referral letter's words in the active language (gettext, context
"case file"); dossier.py renders them under translation.override(dispute.language)."""

from __future__ import annotations

from django.utils.translation import pgettext


def case_file_labels() -> dict:
    return {
        "colon": pgettext("document punctuation", ": "),
        "title": pgettext("case file", "Case file"),
        "letter_title": pgettext("case file", "Referral letter"),
        "confidential": pgettext("case file", "Internal · Confidential"),
        "downloaded_by": pgettext("case file", "Downloaded by"),
        "downloaded_at": pgettext("case file", "at"),
        "page": pgettext("case file", "page"),
        "summary": pgettext("case file", "Summary"),
        "reference": pgettext("case file", "Reference"),
        "case_title": pgettext("case file", "Title"),
        "category": pgettext("case file", "Category"),
        "grid": pgettext("case file", "Grid"),
        "level": pgettext("case file", "Level"),
        "state": pgettext("case file", "State"),
        "filed_at": pgettext("case file", "Filed at"),
        "amount_claimed": pgettext("case file", "Amount claimed"),
        "desired_outcome": pgettext("case file", "Outcome wanted"),
        "facts": pgettext("case file", "What happened"),
        "mediator": pgettext("case file", "Mediator"),
        "case_handler": pgettext("case file", "Case handler"),
        "outcome": pgettext("case file", "Outcome"),
        "outcome_note": pgettext("case file", "Outcome note"),
        "parties": pgettext("case file", "Parties"),
        "claimant": pgettext("case file", "Claimant"),
        "respondent": pgettext("case file", "Respondent"),
        "name": pgettext("case file", "Name"),
        "phone": pgettext("case file", "Phone"),
        "email": pgettext("case file", "Email"),
        "address": pgettext("case file", "Address"),
        "timeline": pgettext("case file", "Timeline"),
        "at": pgettext("case file", "When"),
        "action": pgettext("case file", "What"),
        "by": pgettext("case file", "By"),
        "note": pgettext("case file", "Note"),
        "system": pgettext("case file", "System"),
        "requests": pgettext("case file", "Requests for information"),
        "question": pgettext("case file", "Question"),
        "answer": pgettext("case file", "Answer"),
        "due": pgettext("case file", "Answer by"),
        "unanswered": pgettext("case file", "Not answered"),
        "late": pgettext("case file", "Answered late"),
        "evidence": pgettext("case file", "Evidence"),
        "file": pgettext("case file", "File"),
        "size": pgettext("case file", "Size"),
        "uploaded": pgettext("case file", "Uploaded by and at"),
        "transcript": pgettext("case file", "Joint session transcript (both parties present)"),
        "no_messages": pgettext("case file", "No joint session messages."),
        "recordings": pgettext("case file", "Audio attachments (voice notes and audio evidence)"),
        "voice_note": pgettext("case file", "Voice note"),
        "duration": pgettext("case file", "Duration"),
        "audio_evidence": pgettext("case file", "Audio evidence"),
        "settlements": pgettext("case file", "Settlement versions"),
        "version": pgettext("case file", "Version"),
        "proposed": pgettext("case file", "Proposed"),
        "terms": pgettext("case file", "Terms"),
        "amount": pgettext("case file", "Amount"),
        "performance_method": pgettext("case file", "Performance method"),
        "performance_deadline": pgettext("case file", "Performance deadline"),
        "signed_by": pgettext("case file", "Signed by"),
        "status": pgettext("case file", "Result"),
        "declined_by": pgettext("case file", "Declined by"),
        "reason": pgettext("case file", "Reason"),
        "no_settlements": pgettext("case file", "No settlement was proposed."),
        "none": pgettext("case file", "None"),
        "currency": pgettext("case file", "yuan"),
        "to": pgettext("case file", "To"),
        "letter_intro": pgettext(
            "case file",
            "We refer the dispute below to you for handling according to law; the case file is attached.",
        ),
        "referred_to": pgettext("case file", "Referred to"),
        "referral_reason": pgettext("case file", "Reasons for the referral"),
        "history": pgettext("case file", "Mediation so far"),
        "escalations": pgettext("case file", "Escalations"),
        "settlement_versions": pgettext("case file", "Number of settlement versions"),
        "sender": pgettext("case file", "Referred by"),
        "date": pgettext("case file", "Date"),
        "attached": pgettext("case file", "Attached: the case file"),
    }


def outcome_labels() -> dict:
    return {
        "referred_court": pgettext("case file", "Referred to court"),
        "referred_arbitration": pgettext("case file", "Referred to arbitration"),
        "referred_department": pgettext("case file", "Referred to a department"),
    }


def settlement_status_labels() -> dict:
    return {
        "declined": pgettext("case file", "Declined by a party"),
        "superseded": pgettext("case file", "Replaced by a new version"),
        "withdrawn": pgettext("case file", "Dispute withdrawn"),
        "sealed": pgettext("case file", "Signed and sealed"),
        "open": pgettext("case file", "Awaiting signatures"),
    }


def signer_role_labels() -> dict:
    return {
        "claimant": pgettext("case file", "Claimant"),
        "respondent": pgettext("case file", "Respondent"),
        "mediator": pgettext("case file", "Mediator"),
        "committee": pgettext("case file", "Committee"),
    }
