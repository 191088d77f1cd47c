from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Organisation, Region


class Community(models.Model):
    """A self-organising group of radicals, run by its organisers."""

    class JoiningPolicy(models.TextChoices):
        OPEN = "open", "Anyone can join"
        APPROVAL = "approval", "Organisers approve requests to join"
        INVITATION = "invitation", "By invitation only"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested, waiting for an admin"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined by an admin"
        ARCHIVED = "archived", "Archived"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(max_length=5000, blank=True)
    guidelines = models.TextField(max_length=5000, blank=True)
    joining_policy = models.CharField(
        max_length=12, choices=JoiningPolicy.choices, default=JoiningPolicy.OPEN
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communities",
        help_text="The parent organisation, if the community belongs to one.",
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="communities"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    premoderate_first_posts = models.PositiveSmallIntegerField(
        default=0,
        help_text="The first this many posts of a new member wait for an organiser's approval "
        "(0 switches pre-moderation off).",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A member's place in a community: a request, an active membership, or a ban."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        ORGANISER = "organiser", "Organiser"

    class Status(models.TextChoices):
        PENDING = "pending", "Asked to join"
        ACTIVE = "active", "Member"
        DECLINED = "declined", "Request declined"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"
        BANNED = "banned", "Banned"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    banned_until = models.DateTimeField(
        null=True, blank=True, help_text="Empty with status banned means banned indefinitely."
    )
    posts_approved = models.PositiveIntegerField(
        default=0, help_text="Approved posts, counted for pre-moderation."
    )
    requested_at = models.DateTimeField(default=timezone.now)
    request_message = models.TextField(
        max_length=1000, blank=True, help_text="What the member wrote when asking to join."
    )
    joined_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When an organiser last answered a request to join."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who created the invitation this member joined through.",
    )
    invitation = models.ForeignKey(
        "Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )

    class Meta:
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
        return f"{self.member} in {self.community} ({self.get_status_display()})"

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

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, editable=False)
    note = models.CharField(
        max_length=200, blank=True, help_text="A note for organisers, e.g. who the link is for."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    use_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.community} ({self.note or self.created_at:%d %b %Y})"

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
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        ACTIONED = "actioned", "Actioned"

    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
        help_text="Whose organisers see the flag; empty for platform-wide content (admins).",
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_raised"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
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
        return f"Flag by {self.reporter} on {self.target_type.model} {self.target_id}"


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One moderation or role change: who did what to what, why and when. Append-only."""

    class Action(models.TextChoices):
        COMMUNITY_CREATED = "community_created", "Created the community"
        COMMUNITY_APPROVED = "community_approved", "Approved the community"
        COMMUNITY_DECLINED = "community_declined", "Declined the community"
        SETTINGS_CHANGED = "settings_changed", "Changed the community's settings"
        REQUEST_APPROVED = "request_approved", "Approved a request to join"
        REQUEST_DECLINED = "request_declined", "Declined a request to join"
        ORGANISER_APPOINTED = "organiser_appointed", "Appointed an organiser"
        ORGANISER_REMOVED = "organiser_removed", "Removed an organiser"
        MEMBER_REMOVED = "member_removed", "Removed a member"
        MEMBER_BANNED = "member_banned", "Banned a member"
        MEMBER_UNBANNED = "member_unbanned", "Lifted a ban"
        INVITATION_CREATED = "invitation_created", "Created an invitation link"
        INVITATION_REVOKED = "invitation_revoked", "Revoked an invitation link"
        ORGANISER_LEFT = "organiser_left", "Left the community as an organiser"
        CONTENT_HIDDEN = "content_hidden", "Hid content"
        CONTENT_RESTORED = "content_restored", "Restored content"
        CONTENT_APPROVED = "content_approved", "Approved content"
        FLAGS_DISMISSED = "flags_dismissed", "Dismissed flags"
        AUTHOR_WARNED = "author_warned", "Warned a member"

    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        help_text="Empty for platform-wide actions.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices, db_index=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(
        max_length=300, help_text="What the target was when the action was taken."
    )
    reason = models.TextField(max_length=2000, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")
