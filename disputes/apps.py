from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"

    def ready(self) -> None:
        # Case handling (conclude, referrals) and the SLA engine register their handlers.
        from . import casework, sla

        casework.register()
        sla.register()
