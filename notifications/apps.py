from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # Sockets outlive logout (docs/decisions.md): close a user's notification sockets when they
        # sign out or are deactivated.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save

        from . import push

        user_logged_out.connect(push.on_logout, dispatch_uid="notifications-logout")
        post_save.connect(
            push.on_user_saved, sender=get_user_model(), dispatch_uid="notifications-deactivation"
        )
