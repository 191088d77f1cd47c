from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stories"
    verbose_name = _("Stories")

    def ready(self) -> None:
        from radicals import page_purge
        from stories import sections
        from stories.models import Story

        # Visitors' cached copies of the pages a story appears on (its community's and
        # its pledges') are dropped when it changes (radicals.page_purge).
        page_purge.purge_on_change(Story, _pages_of_story)
        page_purge.purge_on_links(
            Story.pledges.through, lambda pledge_ids: [f"pledge:{pk}" for pk in pledge_ids]
        )

        sections.register_all()


def _pages_of_story(story) -> list[str]:
    subjects = [f"community:{story.community_id}"] if story.community_id else []
    if story.pk:
        subjects += [f"pledge:{pk}" for pk in story.pledges.values_list("pk", flat=True)]
    return subjects
