import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An NHS region (for example "North West"): the coarsest place in reports."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An NHS trust or other body that members work for."""

    class Kind(models.TextChoices):
        ACUTE_TRUST = "acute_trust", "Acute trust"
        MENTAL_HEALTH_TRUST = "mental_health_trust", "Mental health trust"
        COMMUNITY_TRUST = "community_trust", "Community trust"
        AMBULANCE_TRUST = "ambulance_trust", "Ambulance trust"
        INTEGRATED_CARE_BOARD = "icb", "Integrated care board"
        PRIMARY_CARE = "primary_care", "Primary care"
        SOCIAL_CARE = "social_care", "Social care"
        CHARITY = "charity", "Charity or voluntary sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


# What every page shows in place of a member who deleted their account.
FORMER_MEMBER = "A former member"


class User(AbstractBaseUser, PermissionsMixin):
    """A member of the platform. Email is the login; platform admins have is_staff."""

    class NameVisibility(models.TextChoices):
        PUBLIC = "public", "Everyone can see my name"
        MEMBERS = "members", "Only signed-in members can see my name"
        HIDDEN = "hidden", "Show me as an anonymous supporter"

    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    job_role = models.CharField("job role or profession", max_length=100, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    bio = models.TextField("short bio", max_length=1000, blank=True)
    name_visibility = models.CharField(
        max_length=10, choices=NameVisibility.choices, default=NameVisibility.MEMBERS
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_(
            "The language of your pages, emails and certificates. Leave empty to use "
            "your browser's."
        ),
    )
    is_staff = models.BooleanField(
        "platform admin", default=False, help_text="Can run the platform and its admin site."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the member deleted their account; the row stays, anonymous.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    def name_for(self, viewer) -> str:
        """The name this member shows to `viewer`, as the member allows."""
        if self.erased_at is not None:
            return FORMER_MEMBER
        if viewer is not None and getattr(viewer, "pk", None) == self.pk:
            return self.display_name or "You"
        if self.name_visibility == self.NameVisibility.PUBLIC:
            return self.display_name or "A member"
        if self.name_visibility == self.NameVisibility.MEMBERS and getattr(
            viewer, "is_authenticated", False
        ):
            return self.display_name or "A member"
        return "Anonymous supporter"

    @property
    def effective_region(self) -> Region | None:
        if self.region_id:
            return self.region
        return self.organisation.region if self.organisation_id else None


def _export_token() -> str:
    return secrets.token_urlsafe(32)


class DataExport(models.Model):
    """A member's request for a copy of their data: a zip built by a worker, kept
    privately under MEDIA_ROOT/exports/members/ and downloadable by them alone until
    it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Being prepared"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Could not be prepared"
        EXPIRED = "expired", "Expired"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    # Names the file and the download address: random, so neither can be guessed.
    token = models.CharField(max_length=64, unique=True, default=_export_token, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    size_bytes = models.PositiveBigIntegerField(default=0, editable=False)
    error = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"Data export for member {self.member_id} ({self.get_status_display().lower()})"

    @property
    def file_name(self) -> str:
        return f"radicals-data-{self.token}.zip"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class ErasureRecord(models.Model):
    """That an account was erased, and when: no personal data, only the id. It lets
    `manage.py reapply_erasures` erase the account again after a restore from a backup
    taken before the erasure."""

    user_id = models.BigIntegerField(unique=True, editable=False)
    erased_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Account {self.user_id} erased {self.erased_at:%Y-%m-%d %H:%M}"
