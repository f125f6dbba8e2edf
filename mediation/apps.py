from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"

    def ready(self) -> None:
        from disputes import hooks

        from . import services
        from .models import Assignment

        hooks.RESOLVERS["assign_mediator"] = services.resolve_assignment
        hooks.after("mediator_accept")(lambda d, e: services.accept_assignment(d))
        hooks.after("mediator_decline")(lambda d, e: services.end_assignment(d, Assignment.End.DECLINED))
        hooks.after("replace_mediator")(lambda d, e: services.end_assignment(d, Assignment.End.REPLACED))
        hooks.after("fail_mediation", "escalate", "report_breach")(
            lambda d, e: services.end_assignment(d, Assignment.End.ESCALATED)
        )
        hooks.after("withdraw")(lambda d, e: services.end_assignment(d, Assignment.End.WITHDRAWN))
        hooks.after("record_fulfilment")(lambda d, e: services.end_assignment(d, Assignment.End.FINISHED))
        hooks.after("respondent_accept", "mediator_decline", "replace_mediator", "return_to_mediation")(
            lambda d, e: services.schedule_auto_assignment(d)
        )
        # Settlements (DESIGN §5): versions, turns and signing codes live in mediation.settlements.
        from . import settlements

        hooks.PRECHECKS["sign"] = settlements.precheck_sign
        hooks.SECRET_KEYS.add(settlements.PREPARED)  # the prepared signature is never recorded
        hooks.RESOLVERS["sign"] = settlements.resolve_sign
        hooks.OFFER["sign"] = settlements.may_sign_now
        hooks.after("propose_settlement")(settlements.on_propose)
        hooks.after("decline_settlement")(settlements.on_decline)
        hooks.after("withdraw")(settlements.on_withdraw)
        # Satisfaction ratings feed each mediator's average, which ranking uses.
        from . import ranking

        hooks.ON_EVENT.append(ranking.record_rating)

        # Judicial confirmation events on the timeline (they change no state).
        from django.utils.translation import gettext_lazy as _

        from disputes import labels

        labels.register(
            {
                "judicial_applied": _("Applied for judicial confirmation"),
                "judicial_signed": _("Signed the application for judicial confirmation"),
                "judicial_ready": _("Application for judicial confirmation ready to file"),
                "judicial_reminder": _("Reminder: judicial confirmation window closing"),
                "judicial_expired": _("Application for judicial confirmation expired"),
                "judicial_outcome": _("Recorded the court's answer"),
            }
        )
        # Mediation chat: rooms open on mediator_accept; every transition re-checks sockets.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save

        from disputes.models import TRANSITIONS

        from . import chat

        hooks.after(*sorted(TRANSITIONS))(chat.on_transition)
        user_logged_out.connect(chat.on_logout, dispatch_uid="chat-logout")
        post_save.connect(chat.on_user_saved, sender=get_user_model(), dispatch_uid="chat-deactivation")
        # It stores the signed file: the "files" phase runs after every database handler.
        hooks.after("sign", phase="files")(settlements.on_sign)
