from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "communities"

    def ready(self) -> None:
        from communities.models import Community, Membership
        from radicals import page_purge

        # Visitors' cached copies of a community's page are dropped when it or its
        # membership changes (radicals.page_purge).
        page_purge.purge_on_change(Community, lambda community: [f"community:{community.pk}"])
        page_purge.purge_on_change(
            Membership, lambda membership: [f"community:{membership.community_id}"]
        )
