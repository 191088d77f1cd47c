from django.conf import settings
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
    joined_at = models.DateTimeField(null=True, blank=True)

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
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.member} in {self.community} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_organiser(self) -> bool:
        return self.is_active and self.role == self.Role.ORGANISER
