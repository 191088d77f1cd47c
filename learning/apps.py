from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"

    def ready(self) -> None:
        from communities import page_sections
        from learning import sections
        from members import profile_sections
        from radicals import home_stats

        home_stats.register(sections.home_totals)
        profile_sections.register(sections.profile_section)
        page_sections.register(sections.community_section)
