"""What each notice says, per event and language (zh-hans, en).

Every entry is an in-app/email title and a one- or two-sentence body; the SMS is the title
and body with the link, the email adds a greeting and the link (templates/notifications/).
Placeholders: {ref} (dispute reference), {subject} (dispute title), {due} (the dispute's
deadline), {reason}, {step}, {event}, {advice} (referral advice), {original} (the reference of
the dispute a duplicate repeats). A text never quotes chat messages.
"""

from __future__ import annotations

ZH, EN = "zh-hans", "en"

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    # --- transitions (docs/state-machine.md) --------------------------------------------------------------
    "file": {
        ZH: ("{ref} 新纠纷待受理", "纠纷“{subject}”已提交，请在 {due} 前审查受理。"),
        EN: (
            "{ref}: new dispute for intake",
            "The dispute “{subject}” was filed; please review it by {due}.",
        ),
    },
    "file:claimant": {
        ZH: ("{ref} 纠纷已提交", "您的纠纷“{subject}”已提交，等待受理。"),
        EN: ("{ref}: dispute filed", "Your dispute “{subject}” was filed and awaits intake."),
    },
    # The street's intake set the grid of a dispute filed without one (docs/features/places.md).
    "set_grid": {
        ZH: ("{ref} 纠纷已分到本网格", "纠纷“{subject}”已分到您的网格，请在 {due} 前审查受理。"),
        EN: (
            "{ref}: dispute assigned to your grid",
            "The dispute “{subject}” was placed in your grid; please review it by {due}.",
        ),
    },
    "accept": {
        ZH: ("{ref} 纠纷已受理", "纠纷“{subject}”已受理，调解进入下一步。"),
        EN: ("{ref}: dispute accepted", "The dispute “{subject}” was accepted and moves on."),
    },
    "accept:respondent": {
        ZH: (
            "{ref} 调解邀请",
            "您被列为纠纷“{subject}”的被申请人。请在 {due} 前登录回复是否同意调解，逾期将按规定处理。",
        ),
        EN: (
            "{ref}: invitation to mediation",
            "You are named as the respondent in the dispute “{subject}”. Please sign in and answer "
            "by {due}; after that the dispute is escalated.",
        ),
    },
    "reject": {
        ZH: ("{ref} 纠纷未予受理", "纠纷“{subject}”未予受理。理由：{reason}"),
        EN: ("{ref}: dispute not accepted", "The dispute “{subject}” was not accepted. Reason: {reason}"),
    },
    # A duplicate filing (docs/features/intake.md): the claimant is sent to the original.
    "reject:duplicate": {
        ZH: (
            "{ref} 重复申请未予受理",
            "纠纷“{subject}”与纠纷 {original} 重复，不再另行受理，请在 {original} 中继续办理。理由：{reason}",
        ),
        EN: (
            "{ref}: duplicate not accepted",
            "The dispute “{subject}” repeats the dispute {original} and was not accepted; please follow "
            "{original} instead. Reason: {reason}",
        ),
    },
    "reject:duplicate_advice": {
        ZH: (
            "{ref} 重复申请未予受理",
            "纠纷“{subject}”与纠纷 {original} 重复，不再另行受理，请在 {original} 中继续办理。理由：{reason}"
            " 建议：{advice}",
        ),
        EN: (
            "{ref}: duplicate not accepted",
            "The dispute “{subject}” repeats the dispute {original} and was not accepted; please follow "
            "{original} instead. Reason: {reason} Advice: {advice}",
        ),
    },
    "respondent_accept": {
        ZH: ("{ref} 被申请人同意调解", "被申请人同意调解，正在为纠纷“{subject}”指派调解员。"),
        EN: ("{ref}: respondent agreed", "The respondent agreed to mediation; a mediator is being assigned."),
    },
    "respondent_decline": {
        ZH: ("{ref} 纠纷已上报", "纠纷“{subject}”的被申请人拒绝调解或逾期未回复，纠纷已上报处理。"),
        EN: (
            "{ref}: dispute escalated",
            "The respondent in “{subject}” declined or did not answer in time; the dispute was escalated.",
        ),
    },
    # Several parties on a side (disputes.notices): one answer or withdrawal among several.
    "respondent_accept:partial": {
        ZH: (
            "{ref} 一名被申请人同意调解",
            "纠纷“{subject}”的一名被申请人同意调解，仍在等待其他被申请人答复。",
        ),
        EN: (
            "{ref}: a respondent agreed",
            "A respondent in “{subject}” agreed to mediation; the others have yet to answer.",
        ),
    },
    "respondent_decline:partial": {
        ZH: (
            "{ref} 一名被申请人拒绝调解",
            "纠纷“{subject}”的一名被申请人拒绝调解，仍在等待其他被申请人答复。",
        ),
        EN: (
            "{ref}: a respondent declined",
            "A respondent in “{subject}” declined mediation; the others have yet to answer.",
        ),
    },
    "respondent_decline:goes_on": {
        ZH: (
            "{ref} 调解继续进行",
            "纠纷“{subject}”的被申请人均已答复：调解在申请人与同意调解的被申请人之间继续，正在指派调解员。",
        ),
        EN: (
            "{ref}: mediation goes on",
            "Every respondent in “{subject}” has answered: mediation goes on with those who agreed; "
            "a mediator is being assigned.",
        ),
    },
    "withdraw:partial": {
        ZH: (
            "{ref} 一名申请人撤回请求",
            "纠纷“{subject}”的一名申请人撤回了其请求，调解在其他当事人之间继续。",
        ),
        EN: (
            "{ref}: a claimant withdrew",
            "A claimant in “{subject}” withdrew their claim; the dispute goes on with the other parties.",
        ),
    },
    "assign_mediator": {
        ZH: ("{ref} 已指派调解员", "纠纷“{subject}”已指派调解员，等待其接受。"),
        EN: ("{ref}: mediator assigned", "A mediator was assigned to “{subject}” and is asked to accept."),
    },
    "assign_mediator:mediator": {
        ZH: ("{ref} 新的调解指派", "您被指派调解纠纷“{subject}”，请在 {due} 前接受或说明理由拒绝。"),
        EN: (
            "{ref}: new assignment",
            "You were assigned to mediate “{subject}”. Please accept or decline by {due}.",
        ),
    },
    "mediator_accept": {
        ZH: ("{ref} 调解开始", "调解员已接受纠纷“{subject}”，可以进入调解室沟通。"),
        EN: ("{ref}: mediation started", "The mediator accepted “{subject}”; the mediation room is open."),
    },
    "mediator_decline": {
        ZH: ("{ref} 调解员未接受", "调解员未接受纠纷“{subject}”，将另行指派。"),
        EN: ("{ref}: mediator declined", "The mediator declined “{subject}”; another one will be assigned."),
    },
    "replace_mediator": {
        ZH: ("{ref} 调解员已更换", "纠纷“{subject}”的调解员已更换，将另行指派。"),
        EN: (
            "{ref}: mediator replaced",
            "The mediator of “{subject}” was replaced; another one will be assigned.",
        ),
    },
    "propose_settlement": {
        ZH: (
            "{ref} 调解协议待签署",
            "调解员提出了纠纷“{subject}”的调解协议，请在 {due} 前查看并签署或说明理由拒绝。",
        ),
        EN: (
            "{ref}: settlement to sign",
            "The mediator proposed a settlement for “{subject}”. Please read it and sign or decline by {due}.",
        ),
    },
    "sign": {
        ZH: ("{ref} 轮到您签署调解协议", "纠纷“{subject}”的调解协议已有人签署，现在轮到您签署（{due} 前）。"),
        EN: ("{ref}: your turn to sign", "The settlement for “{subject}” awaits your signature (by {due})."),
    },
    "sign:settled": {
        ZH: ("{ref} 调解成功", "纠纷“{subject}”的调解协议已全部签署并加盖调委会印章。"),
        EN: (
            "{ref}: settled",
            "The settlement for “{subject}” is signed by all and sealed by the committee.",
        ),
    },
    "sign:followup": {
        ZH: ("{ref} 待回访", "纠纷“{subject}”已调解成功，请在 {due} 前回访履行情况。"),
        EN: (
            "{ref}: follow-up visit due",
            "“{subject}” is settled; please visit to check it is honoured by {due}.",
        ),
    },
    "decline_settlement": {
        ZH: ("{ref} 调解协议被拒绝", "一方当事人拒绝了纠纷“{subject}”的调解协议，调解继续。"),
        EN: (
            "{ref}: settlement declined",
            "A party declined the settlement for “{subject}”; mediation goes on.",
        ),
    },
    "fail_mediation": {
        ZH: ("{ref} 调解未成功", "纠纷“{subject}”调解未成功，已上报上一级处理。"),
        EN: ("{ref}: mediation failed", "Mediation of “{subject}” failed; the dispute was escalated."),
    },
    "escalate": {
        ZH: ("{ref} 纠纷已上报", "纠纷“{subject}”已上报上一级处理。"),
        EN: ("{ref}: dispute escalated", "The dispute “{subject}” was escalated to the next level."),
    },
    "escalate:handler": {
        ZH: ("{ref} 上报案件待接收", "纠纷“{subject}”已上报，请在 {due} 前接收处理。"),
        EN: ("{ref}: escalated case to take", "“{subject}” was escalated; please take the case by {due}."),
    },
    "take_case": {
        ZH: ("{ref} 案件已接收", "纠纷“{subject}”已由工作人员接收处理。"),
        EN: ("{ref}: case taken", "A case handler has taken “{subject}”."),
    },
    "return_to_mediation": {
        ZH: ("{ref} 重新进入调解", "纠纷“{subject}”已退回调解，将指派上一级调解员。"),
        EN: (
            "{ref}: back to mediation",
            "“{subject}” returns to mediation with a mediator of the higher level.",
        ),
    },
    "conclude": {
        ZH: ("{ref} 案件已办结", "纠纷“{subject}”已办结。"),
        EN: ("{ref}: case concluded", "The case “{subject}” is concluded."),
    },
    "record_fulfilment": {
        ZH: ("{ref} 协议已履行", "回访确认纠纷“{subject}”的调解协议已履行，纠纷结案。"),
        EN: (
            "{ref}: settlement honoured",
            "The follow-up visit found the settlement for “{subject}” honoured; closed.",
        ),
    },
    "report_breach": {
        ZH: ("{ref} 协议未履行", "纠纷“{subject}”的调解协议被报告未履行，已上报处理。"),
        EN: (
            "{ref}: settlement not honoured",
            "The settlement for “{subject}” was reported broken; escalated.",
        ),
    },
    "withdraw": {
        ZH: ("{ref} 纠纷已撤回", "申请人已撤回纠纷“{subject}”。"),
        EN: ("{ref}: dispute withdrawn", "The claimant withdrew the dispute “{subject}”."),
    },
    # --- deadlines and the nudge ladder -----------------------------------------------------------
    "respondent_reminder": {
        ZH: (
            "{ref} 请尽快回复调解邀请",
            "您尚未回复纠纷“{subject}”的调解邀请（第 {step} 天提醒）。请在 {due} 前登录回复，逾期将上报处理。",
        ),
        EN: (
            "{ref}: please answer the invitation",
            "You have not yet answered the invitation to mediate “{subject}” (day {step} reminder). "
            "Please answer by {due}; after that the dispute is escalated.",
        ),
    },
    "home_visit_task": {
        ZH: ("{ref} 上门走访任务", "被申请人仍未回复纠纷“{subject}”的调解邀请，请在 {due} 前上门走访。"),
        EN: (
            "{ref}: home visit",
            "The respondent in “{subject}” has not answered; please visit them before {due}.",
        ),
    },
    "sla_reminder": {
        ZH: ("{ref} 即将到期", "纠纷“{subject}”的办理期限为 {due}，请及时处理。"),
        EN: ("{ref}: deadline approaching", "“{subject}” is due by {due}; please act in time."),
    },
    "sla_breach": {
        ZH: ("{ref} 已超期", "纠纷“{subject}”已超过办理期限，已按规定处理。"),
        EN: ("{ref}: deadline missed", "“{subject}” passed its deadline and was acted on by the rules."),
    },
    # --- judicial confirmation ----------------------------------------------------------------------
    "judicial_applied": {
        ZH: ("{ref} 司法确认申请", "纠纷“{subject}”的司法确认申请已提出，请查看并共同签署。"),
        EN: (
            "{ref}: judicial confirmation",
            "Judicial confirmation of “{subject}” was applied for; please review and co-sign.",
        ),
    },
    "judicial_signed": {
        ZH: ("{ref} 司法确认申请已签署", "纠纷“{subject}”的司法确认申请已有一方签署。"),
        EN: (
            "{ref}: application signed",
            "A party signed the judicial confirmation application for “{subject}”.",
        ),
    },
    "judicial_ready": {
        ZH: ("{ref} 司法确认申请已提交", "纠纷“{subject}”的司法确认申请已签署完毕，可提交法院。"),
        EN: (
            "{ref}: application ready",
            "The judicial confirmation application for “{subject}” is signed and ready for the court.",
        ),
    },
    "judicial_reminder": {
        ZH: ("{ref} 司法确认期限将至", "纠纷“{subject}”的司法确认申请须在 {due} 前提出，请尽快处理。"),
        EN: (
            "{ref}: judicial confirmation deadline",
            "Judicial confirmation of “{subject}” must be applied for by {due}.",
        ),
    },
    "judicial_expired": {
        ZH: ("{ref} 司法确认期限已过", "纠纷“{subject}”的司法确认申请期限已过。"),
        EN: (
            "{ref}: judicial confirmation window closed",
            "The window to apply for judicial confirmation of “{subject}” has closed.",
        ),
    },
    "judicial_outcome": {
        ZH: ("{ref} 司法确认结果", "法院已就纠纷“{subject}”的司法确认申请作出决定，请登录查看。"),
        EN: (
            "{ref}: court decision",
            "The court decided on the judicial confirmation of “{subject}”; sign in to see it.",
        ),
    },
    # --- case work --------------------------------------------------------------------------------
    "info_requested": {
        ZH: ("{ref} 请补充材料", "纠纷“{subject}”需要您补充信息或材料，请登录查看。"),
        EN: (
            "{ref}: information requested",
            "More information is needed for “{subject}”; please sign in to see what.",
        ),
    },
    "info_reminder": {
        ZH: (
            "{ref} 补充材料即将到期",
            "纠纷“{subject}”请您补充的信息或材料尚未提交，请在 {due} 前登录提交。",
        ),
        EN: (
            "{ref}: information still needed",
            "The information requested for “{subject}” has not been provided yet; please sign in and provide it by {due}.",
        ),
    },
    "info_overdue": {
        ZH: ("{ref} 补充材料已逾期", "纠纷“{subject}”的补充材料请求已过答复期限（{due}），当事人尚未答复。"),
        EN: (
            "{ref}: information request overdue",
            "The party has not answered the request for information on “{subject}”, due {due}.",
        ),
    },
    "info_answered": {
        ZH: ("{ref} 材料已补充", "纠纷“{subject}”的补充信息已提交。"),
        EN: ("{ref}: information provided", "The requested information for “{subject}” was provided."),
    },
    "referral_sent": {
        ZH: ("{ref} 已转交", "纠纷“{subject}”已转交有关部门处理。"),
        EN: ("{ref}: referred", "“{subject}” was referred to the competent body."),
    },
    # --- ratings and follow-up ----------------------------------------------------------------------
    "review_opened": {
        ZH: ("{ref} 服务评价待复核", "纠纷“{subject}”收到低分评价，请复核。"),
        EN: ("{ref}: rating to review", "“{subject}” received a low rating; please review it."),
    },
    "review_answered": {
        ZH: ("{ref} 评价已答复", "您对纠纷“{subject}”的评价已收到答复。"),
        EN: ("{ref}: rating answered", "Your rating of “{subject}” has been answered."),
    },
    "followup_opened": {
        ZH: ("{ref} 回访", "纠纷“{subject}”已安排回访。"),
        EN: ("{ref}: follow-up", "A follow-up of “{subject}” was opened."),
    },
    # --- the audit log (docs/personal-data-audit.md) ------------------------------------------------
    "audit_broken": {
        ZH: ("审计日志校验失败", "审计日志的哈希链在第 {index} 条处断裂：{reason}。请立即核查。"),
        EN: (
            "Audit log check failed",
            "The audit log's hash chain is broken at entry {index}: {reason}. Please investigate now.",
        ),
    },
    # --- risk alerts of the cockpit (docs/features/cockpit.md "Risk alerts") ---------------------------
    "risk_rise": {
        ZH: (
            "风险预警：{grid_zh}纠纷增多",
            "{street_zh}{grid_zh}上周“{category_zh}”类纠纷 {count} 件，明显高于此前每周约 {baseline} 件，请关注。",
        ),
        EN: (
            "Risk alert: more disputes in {grid_en}",
            "{grid_en} ({street_en}) had {count} “{category_en}” disputes last week, well above its usual {baseline} a week.",
        ),
    },
    "risk_repeat_respondent": {
        ZH: (
            "风险预警：同一被申请人多次被诉",
            "{street_zh}90 天内有 {count} 件纠纷的被申请人是同一人，请关注。",
        ),
        EN: (
            "Risk alert: repeat respondent",
            "In {street_en}, the same respondent is named in {count} disputes within 90 days.",
        ),
    },
    "risk_after_settlement": {
        ZH: (
            "风险预警：调解后再起纠纷",
            "{street_zh}有双方当事人在此前纠纷已达成调解后又发生新的纠纷，请关注。",
        ),
        EN: (
            "Risk alert: new dispute after a settlement",
            "In {street_en}, the same two parties have a new dispute after an earlier one was settled.",
        ),
    },
    # --- the desk: rejection advice, recusal (docs/features/intake.md, assignment.md) ---------------
    # {advice}: a rejection's referral advice (the reject payload's referral_advice).
    "reject:advice": {
        ZH: ("{ref} 纠纷未予受理", "纠纷“{subject}”未予受理。理由：{reason} 转介建议：{advice}"),
        EN: (
            "{ref}: dispute not accepted",
            "The dispute “{subject}” was not accepted. Reason: {reason} Where to turn instead: {advice}",
        ),
    },
    "recusal_requested": {
        ZH: ("{ref} 回避申请待决定", "纠纷“{subject}”的当事人申请调解员回避，理由：{reason}。请审查决定。"),
        EN: (
            "{ref}: recusal requested",
            "A party in “{subject}” asks that the mediator step aside. Reason: {reason}. Please decide.",
        ),
    },
    "recusal_approved": {
        ZH: ("{ref} 回避申请已批准", "您对纠纷“{subject}”调解员的回避申请已批准，将另行指派调解员。"),
        EN: (
            "{ref}: recusal approved",
            "Your request that the mediator of “{subject}” step aside was approved; another mediator "
            "will be assigned.",
        ),
    },
    "recusal_refused": {
        ZH: ("{ref} 回避申请未批准", "您对纠纷“{subject}”调解员的回避申请未获批准，调解继续进行。"),
        EN: (
            "{ref}: recusal refused",
            "Your request that the mediator of “{subject}” step aside was refused; the mediation goes on.",
        ),
    },
    # Session minutes (docs/features/minutes.md): never quoting them.
    "minutes_ready": {
        ZH: (
            "{ref} 调解笔录待确认",
            "纠纷“{subject}”一次调解会谈的笔录（第 {version} 版）已完成，请登录核对并以短信验证码确认。",
        ),
        EN: (
            "{ref}: minutes ready to confirm",
            "The minutes (version {version}) of a mediation session in “{subject}” are ready; please "
            "sign in, read them and confirm them with an SMS code.",
        ),
    },
    "minutes_confirmed": {
        ZH: (
            "{ref} 当事人已确认调解笔录",
            "{name} 已确认纠纷“{subject}”一次调解会谈的笔录（第 {version} 版）。",
        ),
        EN: (
            "{ref}: minutes confirmed",
            "{name} confirmed the minutes (version {version}) of a mediation session in “{subject}”.",
        ),
    },
    # --- anything else ---------------------------------------------------------------------------
    "*": {
        ZH: ("{ref}：{event}", "纠纷“{subject}”有新动态：{event}。"),
        EN: ("{ref}: {event}", "There is news on “{subject}”: {event}."),
    },
}

SMS_SIGNATURE = {ZH: "【调解】", EN: "[Tiaojie] "}
NO_DEADLINE = {ZH: "规定期限", EN: "the deadline"}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(key: str, language: str, values: dict) -> tuple[str, str]:
    """(title, body) for a text key (`event` or `event:variant`) in a language."""
    language = EN if language.startswith("en") else ZH
    entry = TEXTS.get(key) or TEXTS.get(key.split(":")[0]) or TEXTS["*"]
    title, body = entry[language]
    values = _Blank(values)
    if not values.get("due"):
        values["due"] = NO_DEADLINE[language]
    return title.format_map(values), body.format_map(values)
