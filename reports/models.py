"""Rollups of what the movement achieved, invitations and who they brought, the
movement network, badges, exports and scheduled summaries.

Every figure a page shows comes from `DailyRollup`: one row per day and scope with a
column per metric. The rows are recomputed from the source rows (never incremented),
so a recount run twice, or after a crash, lands on the same numbers. `ScopeTotal` holds
each scope's all-time sum of its rows, kept by the same recount.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    PLATFORM = "platform", _("Whole platform")
    CAMPAIGN = "campaign", _("Campaign")
    COMMUNITY = "community", _("Community")
    ORGANISATION = "organisation", _("Organisation")
    REGION = "region", _("Region")
    THEME = "theme", _("Theme")


# (column, label) of every metric a DailyRollup row holds, in the order pages show them.
METRICS: list[tuple[str, str]] = [
    ("pledges_made", _("Pledges made")),
    ("co_signs", _("Co-signs")),
    ("pledges_active", _("Pledges that went live")),
    ("pledges_completed", _("Pledges completed")),
    ("pledges_failed", _("Pledges that missed their threshold")),
    ("people_done", _("Commitments done")),
    ("outcome_total", _("Measured outcome")),
    ("check_ins", _("Check-ins")),
    ("commitments_checked_in", _("Commitments with a check-in")),
    ("stories_published", _("Stories published")),
    ("enrolments", _("Learning enrolments")),
    ("module_completions", _("Modules completed")),
    ("certificates", _("Certificates issued")),
    ("new_members", _("New members")),
]
METRIC_NAMES = [name for name, _label in METRICS]
METRIC_LABELS = dict(METRICS)


class DailyRollup(models.Model):
    """What happened on one day (Europe/London) in one scope. scope_id is 0 for the
    platform. Only the recount writes these rows."""

    day = models.DateField(verbose_name=_("day"))
    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)

    pledges_made = models.PositiveIntegerField(verbose_name=_("pledges made"), default=0)
    co_signs = models.PositiveIntegerField(verbose_name=_("co-signs"), default=0)
    pledges_active = models.PositiveIntegerField(verbose_name=_("pledges active"), default=0)
    pledges_completed = models.PositiveIntegerField(verbose_name=_("pledges completed"), default=0)
    pledges_failed = models.PositiveIntegerField(verbose_name=_("pledges failed"), default=0)
    people_done = models.PositiveIntegerField(verbose_name=_("people done"), default=0)
    # Check-in quantities are Decimal(10, 2) in pledges; the sum stays exact.
    outcome_total = models.DecimalField(
        verbose_name=_("outcome total"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    check_ins = models.PositiveIntegerField(verbose_name=_("check-ins"), default=0)
    commitments_checked_in = models.PositiveIntegerField(
        verbose_name=_("commitments checked in"), default=0
    )
    stories_published = models.PositiveIntegerField(verbose_name=_("stories published"), default=0)
    enrolments = models.PositiveIntegerField(verbose_name=_("enrolments"), default=0)
    module_completions = models.PositiveIntegerField(
        verbose_name=_("module completions"), default=0
    )
    certificates = models.PositiveIntegerField(verbose_name=_("certificates"), default=0)
    new_members = models.PositiveIntegerField(verbose_name=_("new members"), default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        ordering = ["-day", "scope", "scope_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "scope", "scope_id"], name="reports_rollup_one_per_day_and_scope"
            ),
        ]
        indexes = [
            # A scope's days with every metric in the index itself: a community's
            # all-time totals sum its rows (some 700 days) from the index alone, where
            # fetching each from the table cost three times as long.
            models.Index(
                fields=["scope", "scope_id", "day"],
                include=METRIC_NAMES,
                name="reports_rollup_scope_totals",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.scope} {self.scope_id}"


class ScopeTotal(models.Model):
    """A scope's all-time totals: the sum of its DailyRollup rows, kept by the recount in
    the same transaction as the rows (reports.rollups), so it is always exactly their
    sum. The home, campaign and community pages read their figures from here, one row by
    its key, rather than summing some 700 days of rows each time.

    A column per metric, added below from `METRICS`: whole numbers without a sign
    check, as the tick adds each change (a day's rows as they should be less the rows
    as they were) and PostgreSQL checks a row's constraints before it finds the row
    `ON CONFLICT` would update."""

    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)

    class Meta:
        verbose_name = _("scope's total")
        verbose_name_plural = _("scopes' totals")
        ordering = ["scope", "scope_id"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "scope_id"], name="reports_one_total_a_scope")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_id}"


for _name, _label in METRICS:
    ScopeTotal.add_to_class(
        _name,
        models.DecimalField(verbose_name=_label, max_digits=20, decimal_places=2, default=0)
        if _name == "outcome_total"
        else models.BigIntegerField(verbose_name=_label, default=0),
    )


class RollupDirtyDay(models.Model):
    """A day whose rollups changed since they were last counted.

    Written in the same transaction as the change (from post_save / post_delete), so
    a committed change always leaves a mark. Rows are appended, never upserted: a
    unique day would make every write on the platform queue behind one hot row. The
    tick claims rows with SELECT … FOR UPDATE SKIP LOCKED, recounts their days and
    deletes exactly the rows it claimed; a change committed meanwhile leaves a new row.
    """

    day = models.DateField(verbose_name=_("day"), db_index=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("day waiting for a recount")
        verbose_name_plural = _("days waiting for a recount")

    def __str__(self) -> str:
        return str(self.day)


class RollupFollowUp(models.Model):
    """A day the tick recounted, waiting for what depends on its figures: the badges
    of the members who acted that day, or the movement network of the scopes active
    that day. Each job has its own beat task, so the tick itself only recounts.

    Appended by the tick in the transaction of its recount, claimed by the job's task
    with SELECT … FOR UPDATE SKIP LOCKED and deleted in the same transaction as its
    work, like the dirty-day marks."""

    class Job(models.TextChoices):
        BADGES = "badges", _("Award badges")
        NETWORK = "network", _("Refresh the movement network")

    day = models.DateField(verbose_name=_("day"))
    job = models.CharField(verbose_name=_("job"), max_length=8, choices=Job.choices)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "id"], name="reports_followup_job")]
        verbose_name = _("day waiting for badges or the network")
        verbose_name_plural = _("days waiting for badges or the network")

    def __str__(self) -> str:
        return f"{self.day} {self.job}"


# --- Invitations ----------------------------------------------------------------------


class Invite(models.Model):
    """A member's own share link (…?ref=<token>): whoever arrives through it and signs
    up, joins a community or co-signs is attributed to the member."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_invite",
        verbose_name=_("member"),
    )
    token = models.CharField(verbose_name=_("token"), max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    def __str__(self) -> str:
        return gettext("Share link of %(member)s") % {"member": self.member}


class InviteEmail(models.Model):
    """An email invitation a member sent to a colleague, and its outbox row: saved
    pending with the request, emailed by a worker (queued when the request commits, or
    by the beat sweep when the queue or the mail server was away). The notification
    outbox is for members; a colleague is not one yet."""

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed after retries")

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_invite_emails",
        verbose_name=_("inviter"),
    )
    email = models.EmailField(verbose_name=_("email address"), max_length=254)
    # When the member asked (the daily limit and "invite again after" count from it).
    sent_at = models.DateTimeField(verbose_name=_("sent at"), default=timezone.now)
    message = models.TextField(verbose_name=_("message"), max_length=500, blank=True)
    email_status = models.CharField(
        verbose_name=_("email status"),
        max_length=10,
        choices=EmailStatus.choices,
        default=EmailStatus.PENDING,
    )
    send_after = models.DateTimeField(verbose_name=_("send after"), default=timezone.now)
    emailed_at = models.DateTimeField(verbose_name=_("emailed at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(verbose_name=_("email attempts"), default=0)
    last_error = models.CharField(verbose_name=_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("email invitation")
        verbose_name_plural = _("email invitations")
        indexes = [
            models.Index(fields=["inviter", "-sent_at"], name="reports_inviteemail_recent"),
            models.Index(fields=["email"], name="reports_inviteemail_email"),
            models.Index(
                fields=["send_after"],
                name="reports_inviteemail_due",
                condition=models.Q(email_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(inviter)s invited %(email)s") % {
            "inviter": self.inviter,
            "email": self.email,
        }


class Attribution(models.Model):
    """One sign-up, community join or co-sign credited to the member who brought it about."""

    class Kind(models.TextChoices):
        SIGNUP = "signup", _("Signed up")
        JOIN = "join", _("Joined a community")
        CO_SIGN = "co_sign", _("Co-signed a pledge")

    class Via(models.TextChoices):
        SHARE_LINK = "share_link", _("Share link")
        EMAIL = "email", _("Email invitation")
        COMMUNITY_INVITATION = "community_invitation", _("Community invitation link")
        PLEDGE = "pledge", _("Co-signed their pledge")

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_mobilised",
        verbose_name=_("inviter"),
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_mobilised_by",
        verbose_name=_("invitee"),
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=8, choices=Kind.choices)
    via = models.CharField(verbose_name=_("through"), max_length=24, choices=Via.choices)
    membership = models.ForeignKey(
        "communities.Membership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("membership"),
    )
    signature = models.ForeignKey(
        "pledges.Signature",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("signature"),
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("community"),
    )
    campaign = models.ForeignKey(
        "pledges.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inviter", "invitee"],
                condition=Q(kind="signup"),
                name="reports_attribution_one_signup",
            ),
            models.UniqueConstraint(
                fields=["inviter", "membership"],
                condition=Q(membership__isnull=False),
                name="reports_attribution_one_per_join",
            ),
            models.UniqueConstraint(
                fields=["inviter", "signature"],
                condition=Q(signature__isnull=False),
                name="reports_attribution_one_per_co_sign",
            ),
            models.CheckConstraint(
                condition=~Q(inviter=models.F("invitee")), name="reports_attribution_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["inviter", "kind"], name="reports_attribution_inviter"),
            models.Index(fields=["community"], name="reports_attribution_community"),
            models.Index(fields=["campaign"], name="reports_attribution_campaign"),
        ]

    def __str__(self) -> str:
        return gettext("%(invitee)s: %(kind)s, through %(inviter)s") % {
            "invitee": self.invitee,
            "kind": self.get_kind_display(),
            "inviter": self.inviter,
        }


# --- The movement network ----------------------------------------------------------------


class NetworkStat(models.Model):
    """The "3% drive 90%" figures for one scope (platform, community or campaign)."""

    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)
    members = models.PositiveIntegerField(verbose_name=_("members"), default=0)
    events = models.PositiveIntegerField(
        verbose_name=_("events"), default=0, help_text=_("Joins and co-signs.")
    )
    attributed_events = models.PositiveIntegerField(verbose_name=_("attributed events"), default=0)
    mobilisers = models.PositiveIntegerField(verbose_name=_("mobilisers"), default=0)
    top_size = models.PositiveIntegerField(
        verbose_name=_("top size"), default=0, help_text=_("How many members are the 3%.")
    )
    top_events = models.PositiveIntegerField(verbose_name=_("top events"), default=0)
    computed_at = models.DateTimeField(verbose_name=_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("network figures")
        verbose_name_plural = _("network figures")
        constraints = [
            models.UniqueConstraint(fields=["scope", "scope_id"], name="reports_network_one_each"),
        ]

    def __str__(self) -> str:
        return gettext("Network of %(scope)s %(id)s") % {"scope": self.scope, "id": self.scope_id}

    @property
    def top_share(self) -> float:
        return self.top_events / self.events if self.events else 0.0

    @property
    def top_percent(self) -> int:
        return round(100 * self.top_share)


class NetworkMonth(models.Model):
    """Joins and co-signs in one month of one scope: all, attributed, and driven by the
    current top 3%."""

    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)
    month = models.DateField(verbose_name=_("month"))
    events = models.PositiveIntegerField(verbose_name=_("events"), default=0)
    attributed_events = models.PositiveIntegerField(verbose_name=_("attributed events"), default=0)
    top_events = models.PositiveIntegerField(verbose_name=_("top events"), default=0)
    mobilisers = models.PositiveIntegerField(
        verbose_name=_("mobilisers"),
        default=0,
        help_text=_("Members credited with a join or co-sign in the month."),
    )
    recruits_mobilising = models.PositiveIntegerField(
        verbose_name=_("recruits mobilising"),
        default=0,
        help_text=_("Of those, people someone in the scope had brought in themselves."),
    )

    class Meta:
        verbose_name = _("network month")
        verbose_name_plural = _("network months")
        ordering = ["scope", "scope_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "month"], name="reports_network_month_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.scope_id} {self.month:%Y-%m}"


class Mobiliser(models.Model):
    """A member ranked by the joins and co-signs credited to them in one scope."""

    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    rank = models.PositiveIntegerField(verbose_name=_("rank"))
    events = models.PositiveIntegerField(verbose_name=_("events"))
    recruits = models.PositiveIntegerField(verbose_name=_("recruits"), default=0)
    recruits_mobilising = models.PositiveIntegerField(
        verbose_name=_("recruits mobilising"),
        default=0,
        help_text=_("People they brought in who went on to mobilise others."),
    )
    is_top = models.BooleanField(verbose_name=_("in the top 3%"), default=False)

    class Meta:
        verbose_name = _("mobiliser")
        verbose_name_plural = _("mobilisers")
        ordering = ["scope", "scope_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "member"], name="reports_mobiliser_unique"
            ),
        ]

    def __str__(self) -> str:
        return gettext("#%(rank)s %(member)s in %(scope)s %(id)s") % {
            "rank": self.rank,
            "member": self.member,
            "scope": self.scope,
            "id": self.scope_id,
        }


class LoneWolf(models.Model):
    """A member who has pledged for a while and never gained a co-signer: someone to support."""

    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    pledges = models.PositiveIntegerField(verbose_name=_("pledges"))
    first_pledged_at = models.DateTimeField(verbose_name=_("first pledged at"))

    class Meta:
        ordering = ["scope", "scope_id", "first_pledged_at"]
        verbose_name = _("lone pledger")
        verbose_name_plural = _("lone pledgers")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "member"], name="reports_lonewolf_unique"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(member)s in %(scope)s %(id)s") % {
            "member": self.member,
            "scope": self.scope,
            "id": self.scope_id,
        }


# --- Badges ------------------------------------------------------------------------------


class Badge(models.Model):
    class Kind(models.TextChoices):
        FIRST_PLEDGE = "first_pledge", _("First pledge")
        PLEDGE_DONE = "pledge_done", _("Pledge done")
        TEN_CO_SIGNERS = "ten_co_signers", _("Ten co-signers")
        STORY_PUBLISHED = "story_published", _("Storyteller")
        STORY_FEATURED = "story_featured", _("Featured story")
        MODULE_COMPLETED = "module_completed", _("Learner")
        MOBILISER = "mobiliser", _("Mobiliser")
        APPRECIATED = "appreciated", _("Appreciated")

    DESCRIPTIONS = {
        Kind.FIRST_PLEDGE: _("Made a first pledge."),
        Kind.PLEDGE_DONE: _("Marked a commitment done."),
        Kind.TEN_CO_SIGNERS: _("Ten people co-signed one of their pledges."),
        Kind.STORY_PUBLISHED: _("Told a change story."),
        Kind.STORY_FEATURED: _("Wrote a story the platform featured."),
        Kind.MODULE_COMPLETED: _("Completed a learning module."),
        Kind.MOBILISER: _("Among the 3% of a community who bring the most people in."),
        Kind.APPRECIATED: _("Thanked by colleagues five times."),
    }

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_badges",
        verbose_name=_("member"),
    )
    kind = models.CharField(verbose_name=_("kind"), max_length=20, choices=Kind.choices)
    awarded_at = models.DateTimeField(verbose_name=_("awarded at"))

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["awarded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="reports_badge_once_each"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.member}"

    @property
    def description(self) -> str:
        return str(self.DESCRIPTIONS.get(self.kind, ""))


class BadgeSetting(models.Model):
    """A member's choice to keep their badges off their public profile."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_badge_setting",
        verbose_name=_("member"),
    )
    hide_badges = models.BooleanField(verbose_name=_("hide badges"), default=False)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), default=timezone.now)

    def __str__(self) -> str:
        return gettext("Badge setting of %(member)s") % {"member": self.member}


# --- Exports -----------------------------------------------------------------------------


class Export(models.Model):
    """A file of rows an admin (or an organiser, for their community) asked for."""

    # The errors an export records: stored in English, shown in the reader's language
    # (error_message); marked here so the catalogue carries them.
    RESTARTED = "It stopped before it finished. It has been started again."
    WRITE_FAILED = "The file could not be written. Try again."
    ERROR_MESSAGES = (
        _("It stopped before it finished. It has been started again."),
        _("The file could not be written. Try again."),
    )

    class Dataset(models.TextChoices):
        PLEDGES = "pledges", _("Pledges")
        SIGNATURES = "signatures", _("Co-signatures")
        CHECK_INS = "check_ins", _("Check-ins")
        STORIES = "stories", _("Stories")
        MEMBERS = "members", _("Members")

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (comma-separated values)")
        XLSX = "xlsx", _("Excel workbook (XLSX)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_exports",
        verbose_name=_("requested by"),
    )
    dataset = models.CharField(verbose_name=_("dataset"), max_length=12, choices=Dataset.choices)
    format = models.CharField(
        verbose_name=_("format"), max_length=4, choices=Format.choices, default=Format.CSV
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("community"),
    )
    campaign = models.ForeignKey(
        "pledges.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    date_from = models.DateField(verbose_name=_("date from"), null=True, blank=True)
    date_to = models.DateField(verbose_name=_("date to"), null=True, blank=True)
    include_personal = models.BooleanField(
        verbose_name=_("include personal"),
        default=False,
        help_text=_("Whether email addresses are in the file (admins only)."),
    )
    # The asker's language when they asked: the file's headings and labels are in it.
    language = models.CharField(verbose_name=_("language"), max_length=10, blank=True, default="")
    filters_key = models.CharField(verbose_name=_("filters key"), max_length=200, editable=False)
    status = models.CharField(
        verbose_name=_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(verbose_name=_("rows total"), default=0)
    rows_done = models.PositiveIntegerField(verbose_name=_("rows done"), default=0)
    file_name = models.CharField(
        verbose_name=_("file name"), max_length=100, blank=True, editable=False
    )
    error = models.CharField(verbose_name=_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    started_at = models.DateTimeField(verbose_name=_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Asking twice at once gives back the export already being prepared.
            models.UniqueConstraint(
                fields=["requested_by", "filters_key"],
                condition=Q(status__in=["queued", "running"]),
                name="reports_export_one_running_per_request",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(dataset)s (%(format)s) for %(member)s") % {
            "dataset": self.get_dataset_display(),
            "format": self.format,
            "member": self.requested_by,
        }

    @property
    def error_message(self) -> str:
        return gettext(self.error) if self.error else ""

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))

    @property
    def download_name(self) -> str:
        stamp = timezone.localtime(self.created_at).strftime("%Y-%m-%d")
        return f"radicals-{self.dataset.replace('_', '-')}-{stamp}.{self.format}"


# --- Scheduled summaries -----------------------------------------------------------------


class ReportSubscription(models.Model):
    """An admin's weekly or monthly summary email, of the platform or one community."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week (on Monday, for the week before)")
        MONTHLY = "monthly", _("Every month (on the 1st, for the month before)")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_subscriptions",
        verbose_name=_("member"),
    )
    frequency = models.CharField(
        verbose_name=_("frequency"), max_length=8, choices=Frequency.choices
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty for the whole platform."),
        verbose_name=_("community"),
    )
    last_period = models.CharField(
        verbose_name=_("last period"), max_length=10, blank=True, editable=False
    )
    last_sent_at = models.DateTimeField(
        verbose_name=_("last sent at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["member", "frequency"]
        verbose_name = _("summary email subscription")
        verbose_name_plural = _("summary email subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "frequency"],
                condition=Q(community__isnull=True),
                name="reports_subscription_one_platform",
            ),
            models.UniqueConstraint(
                fields=["member", "frequency", "community"],
                condition=Q(community__isnull=False),
                name="reports_subscription_one_per_community",
            ),
        ]

    def __str__(self) -> str:
        weekly = self.frequency == self.Frequency.WEEKLY
        if self.community_id:
            text = (
                gettext("Weekly summary of %(community)s for %(member)s")
                if weekly
                else gettext("Monthly summary of %(community)s for %(member)s")
            )
            return text % {"community": self.community.name, "member": self.member}
        text = (
            gettext("Weekly summary of the platform for %(member)s")
            if weekly
            else gettext("Monthly summary of the platform for %(member)s")
        )
        return text % {"member": self.member}


# --- Statistical process control ---------------------------------------------------------


class SpcBaseline(models.Model):
    """A date from which a scope's SPC chart is read afresh (a campaign's launch, a new
    way of working): the limits are computed separately before and after it."""

    ALL_MEASURES = "all"

    scope = models.CharField(verbose_name=_("scope"), max_length=12, choices=Scope.choices)
    scope_id = models.BigIntegerField(verbose_name=_("scope ID"), default=0)
    measure = models.CharField(
        verbose_name=_("measure"),
        max_length=24,
        default=ALL_MEASURES,
        help_text=_("The chart re-based, or “all” for every chart of the scope."),
    )
    starts_on = models.DateField(
        verbose_name=_("starts on"), help_text=_("The first day read with the new limits.")
    )
    reason = models.CharField(verbose_name=_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["scope", "scope_id", "measure", "starts_on"]
        verbose_name = _("SPC chart re-base")
        verbose_name_plural = _("SPC chart re-bases")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "measure", "starts_on"],
                name="reports_spcbaseline_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(scope)s %(id)s %(measure)s from %(day)s") % {
            "scope": self.scope,
            "id": self.scope_id,
            "measure": self.measure,
            "day": self.starts_on,
        }


# --- Embeds ------------------------------------------------------------------------------


def origin_errors(origin: str) -> list[str]:
    """What is wrong with an origin as a CSP source: scheme://host[:port], nothing else."""
    parts = urlsplit(origin or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return [_("Give the site as https://host, for example https://intranet.example.nhs.uk")]
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return [_("Give only the scheme and host (and port), with no path or query.")]
    if any(c in origin for c in " ;,'\""):
        return [_("A site's address cannot hold spaces, quotes, commas or semicolons.")]
    return []


def normalised_origin(origin: str) -> str:
    parts = urlsplit(origin.strip())
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class EmbedOrigin(models.Model):
    """A site (a trust intranet) allowed to frame the embed cards of pledges and
    campaigns. Applied as CSP frame-ancestors on the embed responses only."""

    origin = models.CharField(
        verbose_name=_("origin"),
        max_length=200,
        unique=True,
        help_text=_("scheme://host[:port], for example https://intranet.example.nhs.uk"),
    )
    name = models.CharField(verbose_name=_("name"), max_length=100, blank=True)
    is_active = models.BooleanField(verbose_name=_("active"), default=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)

    class Meta:
        ordering = ["origin"]
        verbose_name = _("site allowed to embed")
        verbose_name_plural = _("sites allowed to embed")

    def __str__(self) -> str:
        return self.origin

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = origin_errors(self.origin)
        if errors:
            raise ValidationError({"origin": errors})
        self.origin = normalised_origin(self.origin)


class EmbedArrival(models.Model):
    """People who came to a pledge or campaign through an embed card, by the host of
    the site that showed the card and the day, like share links credit their member."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visited")
        CO_SIGN = "co_sign", _("Co-signed")

    host = models.CharField(verbose_name=_("host"), max_length=200)
    day = models.DateField(verbose_name=_("day"))
    kind = models.CharField(verbose_name=_("kind"), max_length=8, choices=Kind.choices)
    pledge = models.ForeignKey(
        "pledges.Pledge",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("pledge"),
    )
    campaign = models.ForeignKey(
        "pledges.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    count = models.PositiveIntegerField(verbose_name=_("count"), default=0)

    class Meta:
        ordering = ["-day", "host"]
        verbose_name = _("arrival through an embed")
        verbose_name_plural = _("arrivals through an embed")
        constraints = [
            models.UniqueConstraint(
                fields=["host", "day", "kind", "pledge", "campaign"],
                name="reports_embedarrival_one_row",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["host", "day"], name="reports_embedarrival_host")]

    def __str__(self) -> str:
        return f"{self.host} {self.day} {self.kind}"
