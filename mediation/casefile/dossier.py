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

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts import roles
from accounts.models import StaffRole, User
from disputes import casework
from disputes.contacts import party_contact
from disputes.labels import ACTION_LABELS
from disputes.models import Dispute
from disputes.templatetags.dispute_tags import ROLE_LABELS

from ..models import Message, Room, SettlementSignature
from ..settlements import pdf

LABELS = {
    "zh": {
        "title": "纠纷案件卷宗",
        "letter_title": "纠纷移送函",
        "confidential": "内部资料 注意保密",
        "downloaded_by": "下载人",
        "downloaded_at": "下载时间",
        "page": "页",
        "summary": "案件概要",
        "reference": "案件编号",
        "case_title": "纠纷标题",
        "category": "纠纷类别",
        "grid": "所属网格",
        "level": "当前层级",
        "state": "当前状态",
        "filed_at": "申请时间",
        "amount_claimed": "请求金额",
        "desired_outcome": "申请人请求",
        "facts": "纠纷事实",
        "mediator": "调解员",
        "case_handler": "承办人",
        "outcome": "处理结果",
        "outcome_note": "处理意见",
        "parties": "当事人",
        "claimant": "申请人",
        "respondent": "被申请人",
        "name": "姓名",
        "phone": "联系电话",
        "email": "电子邮箱",
        "address": "地址",
        "timeline": "办理经过",
        "at": "时间",
        "action": "事项",
        "by": "办理人",
        "note": "说明",
        "system": "系统",
        "requests": "补充材料通知",
        "question": "问题",
        "answer": "答复",
        "due": "答复期限",
        "unanswered": "未答复",
        "late": "逾期答复",
        "evidence": "证据材料",
        "file": "文件",
        "size": "大小",
        "uploaded": "提交人及时间",
        "transcript": "联合调解记录（双方在场）",
        "no_messages": "无联合调解记录。",
        "settlements": "调解协议历次版本",
        "version": "版本",
        "proposed": "提出",
        "terms": "协议条款",
        "amount": "涉及金额",
        "performance_method": "履行方式",
        "performance_deadline": "履行期限",
        "signed_by": "已签署",
        "status": "结果",
        "declined_by": "拒绝人",
        "reason": "理由",
        "no_settlements": "无调解协议。",
        "none": "无",
        "currency": "元",
        "to": "致",
        "letter_intro": "现将下列纠纷案件移送贵单位依法处理，案件卷宗附后。",
        "referred_to": "移送单位",
        "referral_reason": "移送理由",
        "history": "调解经过",
        "escalations": "上报次数",
        "settlement_versions": "调解协议版本数",
        "sender": "移送单位（经办）",
        "date": "日期",
        "attached": "附：案件卷宗",
        "outcomes": {
            "referred_court": "移送人民法院",
            "referred_arbitration": "移送仲裁委员会",
            "referred_department": "移送行政主管部门",
        },
    },
    "en": {
        "title": "Case file",
        "letter_title": "Referral letter",
        "confidential": "Internal · Confidential",
        "downloaded_by": "Downloaded by",
        "downloaded_at": "at",
        "page": "page",
        "summary": "Summary",
        "reference": "Reference",
        "case_title": "Title",
        "category": "Category",
        "grid": "Grid",
        "level": "Level",
        "state": "State",
        "filed_at": "Filed at",
        "amount_claimed": "Amount claimed",
        "desired_outcome": "Outcome wanted",
        "facts": "What happened",
        "mediator": "Mediator",
        "case_handler": "Case handler",
        "outcome": "Outcome",
        "outcome_note": "Outcome note",
        "parties": "Parties",
        "claimant": "Claimant",
        "respondent": "Respondent",
        "name": "Name",
        "phone": "Phone",
        "email": "Email",
        "address": "Address",
        "timeline": "Timeline",
        "at": "When",
        "action": "What",
        "by": "By",
        "note": "Note",
        "system": "System",
        "requests": "Requests for information",
        "question": "Question",
        "answer": "Answer",
        "due": "Answer by",
        "unanswered": "Not answered",
        "late": "Answered late",
        "evidence": "Evidence",
        "file": "File",
        "size": "Size",
        "uploaded": "Uploaded by and at",
        "transcript": "Joint session transcript (both parties present)",
        "no_messages": "No joint session messages.",
        "settlements": "Settlement versions",
        "version": "Version",
        "proposed": "Proposed",
        "terms": "Terms",
        "amount": "Amount",
        "performance_method": "Performance method",
        "performance_deadline": "Performance deadline",
        "signed_by": "Signed by",
        "status": "Result",
        "declined_by": "Declined by",
        "reason": "Reason",
        "no_settlements": "No settlement was proposed.",
        "none": "None",
        "currency": "yuan",
        "to": "To",
        "letter_intro": "We refer the dispute below to you for handling according to law; the case file is attached.",
        "referred_to": "Referred to",
        "referral_reason": "Reasons for the referral",
        "history": "Mediation so far",
        "escalations": "Escalations",
        "settlement_versions": "Settlement versions",
        "sender": "Referred by",
        "date": "Date",
        "attached": "Attached: the case file",
        "outcomes": {
            "referred_court": "Referred to court",
            "referred_arbitration": "Referred to arbitration",
            "referred_department": "Referred to a department",
        },
    },
}

SETTLEMENT_STATUS = {
    "zh": {"declined": "当事人拒绝", "superseded": "被新版本取代", "withdrawn": "纠纷撤回",
           "sealed": "已签署盖章生效", "open": "待签署"},
    "en": {"declined": "Declined by a party", "superseded": "Replaced by a new version",
           "withdrawn": "Dispute withdrawn", "sealed": "Signed and sealed", "open": "Awaiting signatures"},
}  # fmt: skip

SIGNER_ROLES = {
    "zh": {"claimant": "申请人", "respondent": "被申请人", "mediator": "调解员", "committee": "调解委员会"},
    "en": {
        "claimant": "Claimant",
        "respondent": "Respondent",
        "mediator": "Mediator",
        "committee": "Committee",
    },
}


def _lang(language: str | None) -> str:
    return "en" if (language or "").startswith("en") else "zh"


# --- the record, shared by the case page and the PDFs ------------------------------------------
def joint_transcript(dispute: Dispute) -> list[dict]:
    """Every message of the joint room in order. Caucus rooms are never read here."""
    messages = (
        Message.objects.filter(room__dispute=dispute, room__kind=Room.Kind.JOINT)
        .select_related("author")
        .order_by("seq")
    )
    return [
        {
            "seq": m.seq,
            "at": m.sent_at,
            "author": m.author.display_name,
            "role": m.author_role,
            "body": m.body,
        }
        for m in messages
    ]


def settlement_history(dispute: Dispute, language: str = "zh") -> list[dict]:
    """Every settlement version: terms, who signed, and how it ended (why it was declined)."""
    lang = _lang(language)
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
            {"name": sig.signer_name, "role": SIGNER_ROLES[lang].get(sig.role, sig.role), "at": sig.signed_at}
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
                "status_label": SETTLEMENT_STATUS[lang].get(status, status),
                "ended_at": s.ended_at,
                "reason": s.end_note,
                "declined_by": (
                    f"{decline.actor.display_name}（{SIGNER_ROLES[lang].get(decline.actor_role, '')}）"
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
    return {
        "dispute": dispute,
        "claimant": _party(dispute, reader, "claimant"),
        "respondent": _party(dispute, reader, "respondent"),
        "timeline": _timeline(dispute),
        "requests": list(dispute.info_requests.select_related("asked_by", "answered_by")),
        "evidence": list(dispute.evidence.select_related("uploaded_by")),
        "transcript": joint_transcript(dispute),
        "settlements": settlement_history(dispute, language),
    }


# --- the PDFs ----------------------------------------------------------------------------------------
def _render(template: str, dispute: Dispute, reader: User, at: datetime, language: str, **extra) -> str:
    lang = _lang(language)
    with translation.override("en" if lang == "en" else "zh-hans"):
        context = {
            **case_file(dispute, reader, lang),
            "L": LABELS[lang],
            "lang": "en" if lang == "en" else "zh-CN",
            "font_url": pdf.FONT_FILE.as_uri(),
            "reader": reader.display_name,
            "generated": timezone.localtime(at),
            **extra,
        }
        context["parties"] = [
            (LABELS[lang]["claimant"], context["claimant"]),
            (LABELS[lang]["respondent"], context["respondent"]),
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
    """The case file's HTML for this reader, in their language, stamped with the download time."""
    return _render("disputes/case/dossier.pdf.html", _fresh(dispute), reader, at, reader.language)


def referral_letter_html(dispute: Dispute, reader: User, at: datetime) -> str:
    """The referral letter (always in Chinese, the language of the receiving body) with the case
    file appended as pages. The caller has checked that the dispute was referred."""
    sent = casework.referral(dispute)
    dispute = _fresh(dispute)
    escalations = dispute.events.filter(to_state=Dispute.State.ESCALATED).exclude(
        from_state=Dispute.State.ESCALATED
    )
    return _render(
        "disputes/case/referral_letter.pdf.html", dispute, reader, at, "zh",
        referral=sent, sent_at=timezone.localtime(sent.at), office=_office(sent.actor, dispute),
        outcome_label=LABELS["zh"]["outcomes"].get(sent.payload.get("outcome"), ""),
        escalation_reasons=[e.reason for e in escalations if e.reason],
    )  # fmt: skip


BUILDERS = {"dossier": dossier_html, "referral_letter": referral_letter_html}


def build(document: str, dispute_id: int, reader_id: int):
    """build(at) -> HTML for the render task (docs/features/casework.md)."""
    dispute = Dispute.objects.get(pk=dispute_id)
    reader = User.objects.get(pk=reader_id)
    return lambda at: BUILDERS[document](dispute, reader, at)
