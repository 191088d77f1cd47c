import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An NHS region (for example "North West"): the coarsest place in reports."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An NHS trust or other body that members work for."""

    class Kind(models.TextChoices):
        ACUTE_TRUST = "acute_trust", _("Acute trust")
        MENTAL_HEALTH_TRUST = "mental_health_trust", _("Mental health trust")
        COMMUNITY_TRUST = "community_trust", _("Community trust")
        AMBULANCE_TRUST = "ambulance_trust", _("Ambulance trust")
        INTEGRATED_CARE_BOARD = "icb", _("Integrated care board")
        PRIMARY_CARE = "primary_care", _("Primary care")
        SOCIAL_CARE = "social_care", _("Social care")
        CHARITY = "charity", _("Charity or voluntary sector")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations",
        verbose_name=_("region"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError(_("An email address is required."))
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


# What an erased account's name is set to (stored, so in English); pages show it in the
# reader's language through name_for().
FORMER_MEMBER = "A former member"
ANONYMOUS_SUPPORTER = "Anonymous supporter"

# What a list needs of a member to name them as they allow (`User.name_for`,
# `members.permissions.hides_identity_from`) with their organisation, and of that
# organisation: the lists read with hand-written SQL (pledges.reads, stories.reads)
# read these and leave the rest (a password, an email, a profile) deferred.
NAME_FIELDS = ("id", "display_name", "organisation", "name_visibility", "erased_at")
ORGANISATION_NAME_FIELDS = ("id", "name", "slug")


# What a member may change about themselves: the profile form, the API's /me/ and
# members.services.profile_update all name these.
PROFILE_FIELDS = (
    "display_name",
    "organisation",
    "job_role",
    "region",
    "bio",
    "name_visibility",
    "language",
)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of the platform. Email is the login; platform admins have is_staff."""

    class NameVisibility(models.TextChoices):
        PUBLIC = "public", _("Everyone can see my name")
        MEMBERS = "members", _("Only signed-in members can see my name")
        HIDDEN = "hidden", _("Show me as an anonymous supporter")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    display_name = models.CharField(_("name"), max_length=80, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("organisation"),
    )
    job_role = models.CharField(_("job role or profession"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("region"),
    )
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    name_visibility = models.CharField(
        _("who can see my name"),
        max_length=10,
        choices=NameVisibility.choices,
        default=NameVisibility.MEMBERS,
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
        _("platform admin"),
        default=False,
        help_text=_("Can run the platform and its admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the member deleted their account; the row stays, anonymous."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["display_name", "email"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
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
            return gettext("A former member")
        if viewer is not None and getattr(viewer, "pk", None) == self.pk:
            return self.display_name or gettext("You")
        if self.name_visibility == self.NameVisibility.PUBLIC:
            return self.display_name or gettext("A member")
        if self.name_visibility == self.NameVisibility.MEMBERS and getattr(
            viewer, "is_authenticated", False
        ):
            return self.display_name or gettext("A member")
        # Stays English until the pledge pages stop comparing the returned name with
        # this literal to decide whether to show the author's organisation and link.
        return ANONYMOUS_SUPPORTER

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
        QUEUED = "queued", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")
        EXPIRED = "expired", _("Expired")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("member"),
    )
    # Names the file and the download address: random, so neither can be guessed.
    token = models.CharField(
        _("token"), max_length=64, unique=True, default=_export_token, editable=False
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("asked for"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True, editable=False)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    error = models.CharField(_("error"), max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        verbose_name = _("copy of a member's data")
        verbose_name_plural = _("copies of members' data")

    def __str__(self) -> str:
        return gettext("Data export for member %(member)s (%(status)s)") % {
            "member": self.member_id,
            "status": self.get_status_display().lower(),
        }

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

    user_id = models.BigIntegerField(_("member number"), unique=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return gettext("Account %(member)s erased %(when)s") % {
            "member": self.user_id,
            "when": f"{self.erased_at:%Y-%m-%d %H:%M}",
        }
