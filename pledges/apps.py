from django.apps import AppConfig


class PledgesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pledges"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import pre_delete

        from communities import page_sections as community_sections
        from communities.moderation import register_moderated
        from members import profile_sections
        from pledges import hooks
        from pledges.models import CheckIn, Pledge, Thanks
        from radicals import home_stats

        register_moderated(
            Pledge,
            label="pledge",
            url_of=lambda pledge: pledge.get_absolute_url(),
            text_of=lambda pledge: pledge.sentence,
            community_field="community",
            author_field="author",
            pages_of=hooks.pages_of_pledge,
        )
        register_moderated(
            CheckIn,
            label="check-in",
            url_of=lambda check_in: check_in.get_absolute_url(),
            text_of=lambda check_in: check_in.note[:200],
            community_field="pledge__community",
            author_field="author",
            pages_of=hooks.pages_of_check_in,
        )
        register_moderated(
            Thanks,
            label="thank-you",
            url_of=lambda thanks: thanks.get_absolute_url(),
            text_of=lambda thanks: thanks.note[:200],
            community_field="pledge__community",
            author_field="giver",
            pages_of=lambda thanks: [hooks.caching.pledge(thanks.pledge_id)],
        )
        home_stats.register(hooks.home_totals)
        profile_sections.register(hooks.profile_pledges)
        community_sections.register(hooks.community_pledges)
        pre_delete.connect(
            hooks.recount_after_member_deleted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="pledges-recount-after-member-deleted",
        )
