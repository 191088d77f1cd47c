from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    PLEDGE_DUE_SOON = "pledge_due_soon", "Your pledge is due soon"
    NO_CHECK_IN = "no_check_in", "No check-in for a while"
    THRESHOLD_REACHED = "threshold_reached", "A pledge you signed reached its threshold"
    THRESHOLD_FAILED = "threshold_failed", "A pledge you signed did not reach its threshold"
    NEW_CO_SIGNERS = "new_co_signers", "New co-signers on your pledge"
    PLEDGE_LAPSED = "pledge_lapsed", "Your pledge passed its due date"
    STORY_INVITATION = "story_invitation", "Tell the story of your pledge"
    CO_AUTHOR_INVITATION = "co_author_invitation", "Invitation to co-author a story"
    STORY_COMMENT = "story_comment", "A comment on your story"
    STORY_REACTION = "story_reaction", "Someone was inspired by your story"
    CONTENT_MODERATED = "content_moderated", "Your content was moderated"
    MEMBERSHIP_REQUEST = "membership_request", "Someone asked to join your community"
    MEMBERSHIP_DECIDED = "membership_decided", "Your request to join a community was answered"
    ORGANISER_DIGEST = "organiser_digest", "Weekly organiser digest"
    MODULE_CONTINUE = "module_continue", "Continue your module"
    CERTIFICATE_ISSUED = "certificate_issued", "Your certificate was issued"


class Notification(models.Model):
    """One notification for one member: shown in the app and, by preference, emailed.

    It is also the email outbox. The idempotency key (recipient, kind, subject,
    period) is unique, so asking twice for the same nudge makes one row, and a
    redelivered task finds the row already sent.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        DIGEST = "digest", "Waiting for the daily digest"
        SKIPPED = "skipped", "Not emailed (preference or daily cap)"
        FAILED = "failed", "Failed after retries"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=255, unique=True)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=4000, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    send_after = models.DateTimeField(default=timezone.now)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["send_after"],
                name="notifications_email_due",
                condition=models.Q(email_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"
