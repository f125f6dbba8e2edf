from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from disputes import hooks

        from . import services

        # Every timeline event (transitions and other actions) writes its outbox rows.
        if services.on_event not in hooks.ON_EVENT:
            hooks.ON_EVENT.append(services.on_event)
