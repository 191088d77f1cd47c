"""The moderation contract every piece of member content follows.

A model that members write (pledge, check-in, story, comment) inherits `Moderated`
and defines two properties, `moderation_community` (the Community whose organisers
moderate it, or None for platform-wide content, which admins moderate) and
`moderation_author` (the member who wrote it). Hidden and pending content is seen
only by its author and its moderators: selectors filter with `visible_q`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ModerationStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    PENDING = "pending", "Waiting for approval"
    HIDDEN = "hidden", "Hidden by a moderator"


class Moderated(models.Model):
    moderation_status = models.CharField(
        max_length=10,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PUBLISHED,
        db_index=True,
    )
    moderation_reason = models.CharField(max_length=500, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.moderation_status == ModerationStatus.PUBLISHED


def visible_q(
    user, *, author_field: str = "author", community_field: str | None = "community"
) -> Q:
    """Published content, plus what `user` wrote, plus (for moderators) everything in
    the communities they organise; admins see everything."""
    published = Q(moderation_status=ModerationStatus.PUBLISHED)
    if user is None or not user.is_authenticated:
        return published
    if user.is_staff:
        return Q()
    condition = published | Q(**{author_field: user})
    if community_field:
        from communities.selectors import organised_community_ids

        organised = organised_community_ids(user)
        if organised:
            condition |= Q(**{f"{community_field}__in": organised})
    return condition
