from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        from kernel.signals import member_erased
        from notifications.services import forget_erased_member

        member_erased.connect(
            forget_erased_member, dispatch_uid="notifications-forget-erased-member"
        )
