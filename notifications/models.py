from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PLEDGE_DUE_SOON = "pledge_due_soon", _("Your pledge is due soon")
    NO_CHECK_IN = "no_check_in", _("No check-in for a while")
    THRESHOLD_REACHED = "threshold_reached", _("A pledge you signed reached its threshold")
    THRESHOLD_FAILED = "threshold_failed", _("A pledge you signed did not reach its threshold")
    PLEDGE_OUTCOME = "pledge_outcome", _("How a pledge you signed went")
    PLEDGE_STORY = "pledge_story", _("A story about a pledge you signed")
    NEW_CO_SIGNERS = "new_co_signers", _("New co-signers on your pledge")
    PLEDGE_LAPSED = "pledge_lapsed", _("Your pledge passed its due date")
    STORY_INVITATION = "story_invitation", _("Tell the story of your pledge")
    CO_AUTHOR_INVITATION = "co_author_invitation", _("Invitation to co-author a story")
    STORY_COMMENT = "story_comment", _("A comment on your story")
    STORY_REACTION = "story_reaction", _("Someone was inspired by your story")
    CONTENT_MODERATED = "content_moderated", _("Your content was moderated")
    MEMBERSHIP_REQUEST = "membership_request", _("Someone asked to join your community")
    MEMBERSHIP_DECIDED = "membership_decided", _("Your request to join a community was answered")
    ORGANISER_DIGEST = "organiser_digest", _("Weekly organiser digest")
    MODULE_CONTINUE = "module_continue", _("Continue your module")
    CERTIFICATE_ISSUED = "certificate_issued", _("Your certificate was issued")
    THANKS = "thanks", _("A colleague thanked you")


class Delivery(models.TextChoices):
    """How a member wants one kind of notification emailed. In-app always shows it."""

    IMMEDIATE = "immediate", _("Email me straight away")
    DIGEST = "digest", _("Include it in my daily digest email")
    OFF = "off", _("Do not email me (show it here only)")


# Chatty kinds wait for the daily digest unless the member asks for them straight away;
# anything a member must act on is emailed at once.
DEFAULT_DELIVERY: dict[str, str] = {
    Kind.PLEDGE_DUE_SOON: Delivery.IMMEDIATE,
    Kind.NO_CHECK_IN: Delivery.DIGEST,
    Kind.THRESHOLD_REACHED: Delivery.IMMEDIATE,
    Kind.THRESHOLD_FAILED: Delivery.IMMEDIATE,
    Kind.PLEDGE_OUTCOME: Delivery.IMMEDIATE,
    Kind.PLEDGE_STORY: Delivery.DIGEST,
    Kind.NEW_CO_SIGNERS: Delivery.DIGEST,
    Kind.PLEDGE_LAPSED: Delivery.IMMEDIATE,
    Kind.STORY_INVITATION: Delivery.IMMEDIATE,
    Kind.CO_AUTHOR_INVITATION: Delivery.IMMEDIATE,
    Kind.STORY_COMMENT: Delivery.DIGEST,
    Kind.STORY_REACTION: Delivery.DIGEST,
    Kind.CONTENT_MODERATED: Delivery.IMMEDIATE,
    Kind.MEMBERSHIP_REQUEST: Delivery.IMMEDIATE,
    Kind.MEMBERSHIP_DECIDED: Delivery.IMMEDIATE,
    Kind.ORGANISER_DIGEST: Delivery.IMMEDIATE,
    Kind.MODULE_CONTINUE: Delivery.DIGEST,
    Kind.CERTIFICATE_ISSUED: Delivery.IMMEDIATE,
    Kind.THANKS: Delivery.DIGEST,
}


class Digest(models.Model):
    """One daily digest email to one member. Unique per member and day, so running the
    digest job twice (or after a crash) never sends a second digest that day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_digests",
        verbose_name=_("recipient"),
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("notifications in it"), default=0)
    # Tries the mail server refused for this member alone (a full mailbox, say): the
    # day's other digests go out meanwhile, and after NOTIFICATIONS_DIGEST_MAX_ATTEMPTS
    # this member's digest is given up for the day.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day"], name="notifications_one_digest_a_day"
            )
        ]

    def __str__(self) -> str:
        return gettext("Digest for %(recipient)s on %(day)s") % {
            "recipient": self.recipient,
            "day": self.day,
        }


class Notification(models.Model):
    """One notification for one member: shown in the app and, by preference, emailed.

    It is also the email outbox. The idempotency key (recipient, kind, subject,
    period) is unique, so asking twice for the same nudge makes one row, and a
    redelivered task finds the row already sent.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        DIGEST = "digest", _("Waiting for the daily digest")
        SKIPPED = "skipped", _("Not emailed (preference or daily cap)")
        FAILED = "failed", _("Failed after retries")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    subject_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("subject type"),
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), max_length=4000, blank=True)
    url = models.CharField(_("address"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    email_status = models.CharField(
        _("email status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    data = models.JSONField(
        _("data"),
        default=dict,
        blank=True,
        help_text=_("Extra facts the email templates may show."),
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    digest = models.ForeignKey(
        Digest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=pgettext_lazy("email", "digest"),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            # The header's unread count on every signed-in page is an index-only scan
            # of this one (recipient, read_at IS NULL), cheap enough not to cache
            # (docs/benchmarks.md, "Design decisions measured").
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["send_after"],
                name="notifications_email_due",
                condition=models.Q(email_status="pending"),
            ),
            models.Index(
                fields=["recipient", "send_after"],
                name="notifications_digest_due",
                condition=models.Q(email_status="digest"),
            ),
            models.Index(
                fields=["recipient", "emailed_at"],
                name="notifications_emailed",
                condition=models.Q(email_status="sent"),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s for %(recipient)s") % {
            "kind": self.get_kind_display(),
            "recipient": self.recipient,
        }

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def words(self, language: str | None = None) -> tuple[str, str]:
        """(title, body) in `language`, by default the active one: the reader's on a
        page, the recipient's in an email (notifications/text.py)."""
        from notifications.text import words_in

        return words_in(title=self.title, body=self.body, data=self.data, language=language)

    @property
    def shown_title(self) -> str:
        return self.words()[0]

    @property
    def shown_body(self) -> str:
        return self.words()[1]


class NotificationPreference(models.Model):
    """A member's choice for one kind; kinds without a row use DEFAULT_DELIVERY."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    delivery = models.CharField(_("email"), max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("email choice")
        verbose_name_plural = _("email choices")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notifications_one_pref_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} – {self.get_delivery_display()}"
