"""The moderation contract every piece of member content follows.

A model that members write (pledge, check-in, story, comment) inherits `Moderated`
and defines two properties, `moderation_community` (the Community whose organisers
moderate it, or None for platform-wide content, which admins moderate) and
`moderation_author` (the member who wrote it). Hidden and pending content is seen
only by its author and its moderators: selectors filter with
`communities.selectors.visible_q`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy


class ModerationStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Waiting for approval")
    HIDDEN = "hidden", _("Hidden by a moderator")


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


# --- Registry of moderated content types -------------------------------------
# Apps that own member content register each Moderated model in their
# AppConfig.ready(), so the moderation queue, flags and audit log can show and
# link to content of any app without importing it.


# The names of the kinds of content the apps register (and of members, who can be
# flagged too), so the moderation pages say them in the reader's language.
CONTENT_NAMES = (
    pgettext_lazy("moderated content", "pledge"),
    pgettext_lazy("moderated content", "check-in"),
    pgettext_lazy("moderated content", "story"),
    pgettext_lazy("moderated content", "comment"),
    pgettext_lazy("moderated content", "member"),
    pgettext_lazy("moderated content", "thank-you"),
)


def content_name(label) -> str:
    """A registered kind's label ("pledge") in the active language."""
    return pgettext("moderated content", str(label))


@dataclass(frozen=True)
class ModeratedType:
    model: type
    label: str  # "pledge", "check-in", "story", "comment"
    url_of: Callable[[Any], str]  # where a moderator sees the item
    text_of: Callable[[Any], str]  # a short text shown in the queue
    # Query paths used to find pending items per community in one query; None when
    # the model has no such path (its items are then moderated by admins only).
    community_field: str | None = None
    author_field: str | None = None
    # The cached pages that show an item (kernel.caching subjects), dropped when a
    # moderator decides on it.
    pages_of: Callable[[Any], list[str]] = lambda item: []
    # Whether a member may see the item: the owning app's own visibility rule (its
    # selectors), so flag pages never show more than the item's page does.
    visible_to: Callable[[Any, Any], bool] | None = None

    @property
    def name(self) -> str:
        """The label in the reader's language."""
        return content_name(self.label)

    @property
    def key(self) -> str:
        """ "app_label.model", as used in flag and moderation URLs."""
        return self.model._meta.label_lower


_moderated_types: dict[str, ModeratedType] = {}
_UNSET: Any = object()


def _field_path_exists(model: type, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist or a non-model stand-in
        return False
    return True


def register_moderated(
    model: type,
    *,
    label: str,
    url_of: Callable[[Any], str],
    text_of: Callable[[Any], str],
    community_field: str | None = _UNSET,
    author_field: str | None = _UNSET,
    pages_of: Callable[[Any], list[str]] | None = None,
    visible_to: Callable[[Any, Any], bool] | None = None,
) -> None:
    """Register a Moderated model. `community_field` / `author_field` are query paths
    (e.g. "pledge__community" for a check-in); by default the fields named
    "community" and "author" are used when the model has them. `pages_of(item)`: the
    subjects of the cached pages showing the item (kernel.caching.changed).
    `visible_to(member, item)`: the app's rule for who may see the item."""
    if community_field is _UNSET:
        community_field = "community" if _field_path_exists(model, "community") else None
    if author_field is _UNSET:
        author_field = "author" if _field_path_exists(model, "author") else None
    _moderated_types[model._meta.label_lower] = ModeratedType(
        model,
        label,
        url_of,
        text_of,
        community_field,
        author_field,
        pages_of or (lambda item: []),
        visible_to,
    )


def moderated_type_for(obj_or_model) -> ModeratedType | None:
    return _moderated_types.get(obj_or_model._meta.label_lower)


def moderated_type_by_key(key: str) -> ModeratedType | None:
    """The registered type for "app_label.model" (as in URLs), or None."""
    return _moderated_types.get((key or "").lower())


def moderated_types() -> list[ModeratedType]:
    return list(_moderated_types.values())


def flag_url(obj) -> str:
    """Where a member reports this piece of content ("Report this" links)."""
    from kernel import paths

    return paths.path("communities:flag", obj._meta.label_lower, obj.pk)


def moderate_url(obj) -> str:
    """Where a moderator acts on this piece of content."""
    from kernel import paths

    return paths.path("communities:moderate", obj._meta.label_lower, obj.pk)


def initial_status_for(*, author, community) -> str:
    """The moderation status new content starts with: pending while the author is among
    the community's pre-moderated newcomers (first N approved posts), else published."""
    if community is None or not community.premoderate_first_posts:
        return ModerationStatus.PUBLISHED
    from communities.models import Membership

    membership = Membership.objects.filter(community=community, member=author).first()
    if membership is not None and membership.role == Membership.Role.ORGANISER:
        return ModerationStatus.PUBLISHED
    approved = membership.posts_approved if membership else 0
    if approved < community.premoderate_first_posts:
        return ModerationStatus.PENDING
    return ModerationStatus.PUBLISHED
