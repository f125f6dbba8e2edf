from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "mediation"

    def ready(self) -> None:
        """Each feature package registers its own handlers, choices and panels with disputes
        (disputes.hooks, disputes.labels, disputes.panels). Handlers of one transition run by
        phase, then in this order; no package's handler relies on another's."""
        from .casefile import hooks as casefile
        from .chat import hooks as chat
        from .pool import hooks as pool
        from .sessions import hooks as sessions
        from .settlements import hooks as settlements

        pool.register()  # assignment, recusal choices, the ratings feed, the mediation panel
        settlements.register()  # signing, versions, judicial labels, the settlement panels
        chat.register()  # rooms on mediator_accept, socket re-checks, logout and deactivation
        casefile.register()  # the case page's record
        sessions.register()  # the Sessions panel, the session notices' texts
