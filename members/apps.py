from django.apps import AppConfig


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from members import hooks
        from members.models import User

        post_save.connect(
            hooks.end_api_tokens_when_credentials_change,
            sender=User,
            dispatch_uid="members-end-api-tokens-when-credentials-change",
        )
        user_logged_in.connect(
            hooks.start_idle_clock_at_login, dispatch_uid="members-start-idle-clock-at-login"
        )
