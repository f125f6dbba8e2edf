from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "disputes"

    def ready(self) -> None:
        # Case handling registers its conclude handlers (referrals) in disputes.hooks.
        from . import casework

        casework.register()
