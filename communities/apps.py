from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "communities"

    def ready(self) -> None:
        from communities.services._common import forget_erased_member
        from kernel.signals import member_erased

        member_erased.connect(forget_erased_member, dispatch_uid="communities-forget-erased-member")
