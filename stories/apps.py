from django.apps import AppConfig


class StoriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stories"

    def ready(self) -> None:
        from stories import sections

        sections.register_all()
