"""What case handling registers from DisputesConfig.ready()."""

from django.utils.translation import gettext_lazy

from disputes import hooks, labels

from .referrals import on_conclude, resolve_conclude

# Timeline labels of the events this module records (no change of state).
EVENT_LABELS = {
    "info_requested": gettext_lazy("Asked a party for more information"),
    "info_answered": gettext_lazy("Answered a request for information"),
    "info_reminder": gettext_lazy("Reminded a party of a request for information"),
    "info_overdue": gettext_lazy("A request for information went unanswered"),
    "referral_sent": gettext_lazy("Sent the referral letter"),
    "dossier_downloaded": gettext_lazy("Downloaded the case file"),
}


def register() -> None:
    """Called from DisputesConfig.ready(): conclude takes `referred_to`, a referral is recorded."""
    hooks.RESOLVERS["conclude"] = resolve_conclude
    hooks.after("conclude")(on_conclude)
    labels.register(EVENT_LABELS)
