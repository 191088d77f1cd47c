from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import Organisation, Region

# What a list's card shows of the community a pledge or a story belongs to: its name and
# address, and whether it is open. The lists read with hand-written SQL (pledges.reads,
# stories.reads) read these and leave the rest (its description, guidelines) deferred.
NAME_FIELDS = ("id", "name", "slug", "status")


class Community(models.Model):
    """A self-organising group of radicals, run by its organisers."""

    class JoiningPolicy(models.TextChoices):
        OPEN = "open", _("Anyone can join")
        APPROVAL = "approval", _("Organisers approve requests to join")
        INVITATION = "invitation", _("By invitation only")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested, waiting for an admin")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined by an admin")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("web address"))
    description = models.TextField(max_length=5000, blank=True, verbose_name=_("description"))
    guidelines = models.TextField(max_length=5000, blank=True, verbose_name=_("guidelines"))
    joining_policy = models.CharField(
        max_length=12,
        choices=JoiningPolicy.choices,
        default=JoiningPolicy.OPEN,
        verbose_name=_("who can join"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communities",
        help_text=_("The parent organisation, if the community belongs to one."),
        verbose_name=_("organisation"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communities",
        verbose_name=_("region"),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.ACTIVE,
        db_index=True,
        verbose_name=_("status"),
    )
    premoderate_first_posts = models.PositiveSmallIntegerField(
        default=0,
        help_text=_(
            "The first this many posts of a new member wait for an organiser's approval "
            "(0 switches pre-moderation off)."
        ),
        verbose_name=_("pre-moderated first posts"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    member_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("members"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A member's place in a community: a request, an active membership, or a ban."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ORGANISER = "organiser", _("Organiser")

    class Status(models.TextChoices):
        PENDING = "pending", _("Asked to join")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Request declined")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")
        BANNED = "banned", _("Banned")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("community")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("member"),
    )
    role = models.CharField(
        max_length=10, choices=Role.choices, default=Role.MEMBER, verbose_name=_("role")
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.ACTIVE,
        db_index=True,
        verbose_name=_("status"),
    )
    banned_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Empty with status banned means banned indefinitely."),
        verbose_name=_("banned until"),
    )
    posts_approved = models.PositiveIntegerField(
        default=0,
        help_text=_("Approved posts, counted for pre-moderation."),
        verbose_name=_("approved posts"),
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("asked to join"))
    request_message = models.TextField(
        max_length=1000,
        blank=True,
        help_text=_("What the member wrote when asking to join."),
        verbose_name=_("message with the request"),
    )
    joined_at = models.DateTimeField(null=True, blank=True, verbose_name=_("joined"))
    decided_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When an organiser last answered a request to join."),
        verbose_name=_("answered"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who created the invitation this member joined through."),
        verbose_name=_("invited by"),
    )
    invitation = models.ForeignKey(
        "Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
        verbose_name=_("invitation"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"], name="communities_membership_unique"
            ),
            models.CheckConstraint(
                condition=~Q(role="organiser") | Q(status="active"),
                name="communities_organiser_is_active",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"]),
            # A community's page lists its organisers among hundreds of members.
            models.Index(
                fields=["community"],
                name="communities_organisers",
                condition=Q(role="organiser", status="active"),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(member)s in %(community)s (%(status)s)") % {
            "member": self.member,
            "community": self.community,
            "status": self.get_status_display(),
        }

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_organiser(self) -> bool:
        return self.is_active and self.role == self.Role.ORGANISER


class Invitation(models.Model):
    """A link an organiser shares so people can join, whatever the joining policy.

    Joins through it record who invited whom (`Membership.invitation`), so reports
    can attribute growth to the people who spread the word.
    """

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("community")
    )
    token = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("token"))
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("A note for organisers, e.g. who the link is for."),
        verbose_name=_("note"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    expires_at = models.DateTimeField(verbose_name=_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    use_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("times used"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return gettext("Invitation to %(community)s (%(note)s)") % {
            "community": self.community,
            "note": self.note or dateformat.format(timezone.localtime(self.created_at), "j M Y"),
        }

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired


class Flag(models.Model):
    """A member's report that a piece of content, or a member, needs an organiser's eye."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        ACTIONED = "actioned", _("Actioned")

    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
        help_text=_("Whose organisers see the flag; empty for platform-wide content (admins)."),
        verbose_name=_("community"),
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("kind of target")
    )
    target_id = models.PositiveBigIntegerField(verbose_name=_("target ID"))
    target = GenericForeignKey("target_type", "target_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="flags_raised",
        verbose_name=_("reported by"),
    )
    reason = models.TextField(max_length=2000, verbose_name=_("reason"))
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.OPEN,
        db_index=True,
        verbose_name=_("status"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status="open"),
                name="communities_flag_one_open_per_reporter",
            )
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id", "status"]),
            models.Index(fields=["community", "status"]),
        ]

    def __str__(self) -> str:
        return gettext("Flag by %(reporter)s on %(kind)s %(id)s") % {
            "reporter": self.reporter,
            "kind": self.target_type.name,
            "id": self.target_id,
        }


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def relabel_for_erasure(self, target_label: str) -> int:
        """The one change the log allows: when a member is erased, the labels that named
        them say "a former member" instead (communities.services.audit_labels_forget).
        Who did what, when and why stays."""
        return super().update(target_label=target_label[:300])

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One moderation or role change: who did what to what, why and when. Append-only."""

    class Action(models.TextChoices):
        COMMUNITY_CREATED = "community_created", _("Created the community")
        COMMUNITY_APPROVED = "community_approved", _("Approved the community")
        COMMUNITY_DECLINED = "community_declined", _("Declined the community")
        SETTINGS_CHANGED = "settings_changed", _("Changed the community's settings")
        REQUEST_APPROVED = "request_approved", _("Approved a request to join")
        REQUEST_DECLINED = "request_declined", _("Declined a request to join")
        ORGANISER_APPOINTED = "organiser_appointed", _("Appointed an organiser")
        ORGANISER_REMOVED = "organiser_removed", _("Removed an organiser")
        MEMBER_REMOVED = "member_removed", _("Removed a member")
        MEMBER_BANNED = "member_banned", _("Banned a member")
        MEMBER_UNBANNED = "member_unbanned", _("Lifted a ban")
        INVITATION_CREATED = "invitation_created", _("Created an invitation link")
        INVITATION_REVOKED = "invitation_revoked", _("Revoked an invitation link")
        ORGANISER_LEFT = "organiser_left", _("Left the community as an organiser")
        CONTENT_HIDDEN = "content_hidden", _("Hid content")
        CONTENT_RESTORED = "content_restored", _("Restored content")
        CONTENT_APPROVED = "content_approved", _("Approved content")
        FLAGS_DISMISSED = "flags_dismissed", _("Dismissed flags")
        AUTHOR_WARNED = "author_warned", _("Warned a member")

    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        help_text=_("Empty for platform-wide actions."),
        verbose_name=_("community"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
    )
    action = models.CharField(
        max_length=30, choices=Action.choices, db_index=True, verbose_name=_("action")
    )
    target_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("kind of target"),
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("target ID"))
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(
        max_length=300,
        help_text=_("What the target was when the action was taken."),
        verbose_name=_("target"),
    )
    reason = models.TextField(max_length=2000, blank=True, verbose_name=_("reason"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, editable=False, verbose_name=_("created")
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")
