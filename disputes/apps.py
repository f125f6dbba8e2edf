from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"

    def ready(self) -> None:
        # Case handling (conclude, referrals) and the SLA engine register their handlers.
        from . import placing, related
        from .casework import hooks as casework_hooks
        from .sla import engine

        casework_hooks.register()
        engine.register()
        placing.register()
        related.register()  # duplicates through reject, the `related` timeline label
        # Offer answering and withdrawing only to someone with a party still to act for.
        from .hooks import DEMO, OFFER
        from .parties import demo

        DEMO.append(demo.seed_parties)  # the demo's dispute with many parties

        for name in ("respondent_accept", "respondent_decline", "withdraw"):
            OFFER.setdefault(name, lambda d, u, n=name: d.open_for(u, n))
