from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        from reports import attribution, embeds, sections, signals

        signals.connect_all()
        attribution.connect()
        embeds.connect()
        sections.register()
