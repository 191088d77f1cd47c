from django.apps import AppConfig


class PledgesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pledges"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import pre_delete

        from communities.moderation import register_moderated
        from pledges import caching, sections, selectors, services
        from pledges.models import CheckIn, Pledge, Thanks

        register_moderated(
            Pledge,
            label="pledge",
            url_of=lambda pledge: pledge.get_absolute_url(),
            text_of=lambda pledge: pledge.sentence,
            community_field="community",
            author_field="author",
            pages_of=caching.pages_of_pledge,
            visible_to=selectors.can_see_pledge,
        )
        # Check-ins and thanks show on no cached page (pledges.caching): no `pages_of`.
        register_moderated(
            CheckIn,
            label="check-in",
            url_of=lambda check_in: check_in.get_absolute_url(),
            text_of=lambda check_in: check_in.note[:200],
            community_field="pledge__community",
            author_field="author",
            visible_to=selectors.can_see_check_in,
        )
        register_moderated(
            Thanks,
            label="thank-you",
            url_of=lambda thanks: thanks.get_absolute_url(),
            text_of=lambda thanks: thanks.note[:200],
            community_field="pledge__community",
            author_field="giver",
            visible_to=selectors.can_see_thanks,
        )
        sections.register()
        pre_delete.connect(
            services.recount_after_member_deleted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="pledges-recount-after-member-deleted",
        )
