"""What the session notices say (notifications.texts, registered by hooks.register).

Placeholders: {ref}, {subject}, {when} (local start), {minutes}, {place}, {reason}. A text never
says which room a session belongs to: the recipients are its attendees only.
"""

from __future__ import annotations

from notifications.texts import EN, ZH

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "session_scheduled:in_person": {
        ZH: (
            "{ref} 调解会议已安排",
            "纠纷“{subject}”的调解会议定于 {when}（约 {minutes} 分钟），地点：{place}。",
        ),
        EN: (
            "{ref}: mediation session scheduled",
            "A mediation session on “{subject}” is set for {when} ({minutes} minutes) at {place}.",
        ),
    },
    "session_scheduled:phone": {
        ZH: (
            "{ref} 电话调解已安排",
            "纠纷“{subject}”的电话调解定于 {when}（约 {minutes} 分钟），届时调解员将拨打您的电话。",
        ),
        EN: (
            "{ref}: phone mediation session scheduled",
            "A mediation session by phone on “{subject}” is set for {when} ({minutes} minutes); "
            "the mediator will call you then.",
        ),
    },
    "session_changed:in_person": {
        ZH: (
            "{ref} 调解会议已变更",
            "纠纷“{subject}”的调解会议改为 {when}（约 {minutes} 分钟），地点：{place}。",
        ),
        EN: (
            "{ref}: mediation session changed",
            "The mediation session on “{subject}” is now at {when} ({minutes} minutes) at {place}.",
        ),
    },
    "session_changed:phone": {
        ZH: ("{ref} 电话调解已变更", "纠纷“{subject}”的电话调解改为 {when}（约 {minutes} 分钟）。"),
        EN: (
            "{ref}: phone mediation session changed",
            "The mediation session by phone on “{subject}” is now at {when} ({minutes} minutes).",
        ),
    },
    "session_removed": {
        ZH: ("{ref} 您无需参加调解会议", "纠纷“{subject}”原定 {when} 的调解会议已变更，您不再需要参加。"),
        EN: (
            "{ref}: you no longer attend a session",
            "The mediation session on “{subject}” at {when} was changed; you no longer attend it.",
        ),
    },
    "session_cancelled": {
        ZH: ("{ref} 调解会议已取消", "纠纷“{subject}”原定 {when} 的调解会议已取消。理由：{reason}"),
        EN: (
            "{ref}: mediation session cancelled",
            "The mediation session on “{subject}” at {when} was cancelled. Reason: {reason}",
        ),
    },
    "session_reminder:in_person": {
        ZH: ("{ref} 调解会议提醒", "提醒：纠纷“{subject}”的调解会议将于 {when} 举行，地点：{place}。"),
        EN: (
            "{ref}: mediation session reminder",
            "Reminder: the mediation session on “{subject}” is at {when} at {place}.",
        ),
    },
    "session_reminder:phone": {
        ZH: ("{ref} 电话调解提醒", "提醒：纠纷“{subject}”的电话调解将于 {when} 开始，请保持电话畅通。"),
        EN: (
            "{ref}: phone mediation reminder",
            "Reminder: the mediation session by phone on “{subject}” starts at {when}; please keep "
            "your phone at hand.",
        ),
    },
}
