"""Campaigns, pledges, co-signatures and check-ins.

A pledge is "I will …" by its author. Others co-sign it ("I'll do it too"); the
author is signer one. A threshold pledge (PledgeBank style) waits, *gathering*,
until `threshold` other people have signed, and fails if its deadline passes first.
Counters on Pledge are denormalised and kept right by the services, which lock the
pledge row while they change them; `services.pledge_recount` recomputes them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from communities.moderation import Moderated
from kernel import paths, written

# What the wall's default filter and visibility rule read, kept in its indexes.
WALL_RULE_COLUMNS = ["status", "visibility", "moderation_status", "author", "community"]
THRESHOLD_MAX = 10_000
TITLE_MAX_LENGTH = 200
OUTCOME_MAX_LENGTH = 500
QUANTITY_MAX = Decimal("1000000")


def format_quantity(value: Decimal | None) -> str:
    """12.50 -> "12.5", 1200.00 -> "1,200": a measured outcome as people write it."""
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def search_vector() -> SearchVector:
    """The full-text document of a pledge, in the configuration of the language it is
    written in: kept in the stored column `Pledge.search_document`, which the GIN index
    and the wall's walk read (docs/benchmarks.md, "The wall's queries at 1M pledges")."""
    return written.search_vector("title", "description")


class KeptInLookups:
    """The kept copy of every theme and campaign (pledges.lookups) is dropped when one
    of them is saved or deleted: explicitly here, as every write of either goes through
    these models (the admin, the services, the data migrations' own models excepted,
    which run before any copy is kept)."""

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._forget_kept_lookups()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        self._forget_kept_lookups()
        return deleted

    @staticmethod
    def _forget_kept_lookups() -> None:
        from pledges import lookups

        lookups.forget()


class Theme(KeptInLookups, models.Model):
    """What a pledge is about ("Patient experience", "Safety"…), a list admins keep."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    name_cy = models.CharField(
        _("name in Welsh"),
        max_length=80,
        blank=True,
        default="",
        # Also in the database, so code that knows no Welsh name (a deploy rolling out,
        # an earlier migration's data step) can still add a theme.
        db_default="",
        help_text=_("Shown on Welsh pages; while it is empty they show the English name."),
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(
        _("offered"),
        default=True,
        help_text=_("Inactive themes stay on old pledges but are not offered."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The theme's name in the language of the page: its Welsh name on a Welsh page
        when it has one, else its name."""
        return self.name_cy if self.name_cy and translation.get_language() == "cy" else self.name

    @staticmethod
    def local_name_sql(prefix: str = ""):
        """`local_name` as a query expression, for rows read without their Theme objects
        (the wall's filter choices, exports); `prefix` reaches the theme ("theme__")."""
        name = F(f"{prefix}name")
        if translation.get_language() == "cy":
            return Coalesce(NullIf(F(f"{prefix}name_cy"), Value("")), name)
        return name


class Campaign(KeptInLookups, models.Model):
    """A time-boxed drive for pledges, such as Change Day, run by admins."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    target = models.PositiveIntegerField(
        _("target"),
        null=True,
        blank=True,
        help_text=_("How many pledges the campaign hopes for (optional)."),
    )
    unit = models.CharField(
        _("unit"),
        max_length=30,
        blank=True,
        help_text=_('The unit of measured outcomes, for example "miles" (optional).'),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="pledges_campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return paths.path("pledges:campaign", self.slug)

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on


class PledgeQuerySet(models.QuerySet):
    def with_theme_and_campaign(self) -> PledgeQuerySet:
        """Rows that carry their theme and campaign, put on them from the kept copy of
        both small tables once the rows are read, with no join (pledges.lookups)."""
        clone = self._chain()
        clone._theme_and_campaign = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._theme_and_campaign = getattr(self, "_theme_and_campaign", False)
        return clone

    def _fetch_all(self) -> None:
        fetched = self._result_cache is not None
        super()._fetch_all()
        if (
            not fetched
            and getattr(self, "_theme_and_campaign", False)
            and self._iterable_class is models.query.ModelIterable
        ):
            from pledges import lookups

            lookups.attach(self._result_cache)


class Pledge(Moderated):
    class Status(models.TextChoices):
        GATHERING = "gathering", _("Gathering signers")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Did not reach its threshold")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        COMMUNITY = "community", _("Members of the community only")

    OPEN_STATUSES = (Status.GATHERING, Status.ACTIVE)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pledges",
        verbose_name=_("author"),
    )
    title = models.CharField(
        _("title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_('What you will do: it reads "I will …".'),
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    language = written.language_field()
    # Computed by PostgreSQL from the title, description and language whenever they
    # change: a search tests a stored document (a few microseconds a row) instead of
    # building one from the text (about 30).
    search_document = models.GeneratedField(
        expression=search_vector(), output_field=SearchVectorField(), db_persist=True
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("theme")
    )
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pledges",
        verbose_name=_("campaign"),
    )
    community = models.ForeignKey(
        "communities.Community",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pledges",
    )
    visibility = models.CharField(
        _("who can see it"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    due_date = models.DateField(_("due date"))
    threshold = models.PositiveIntegerField(
        _("threshold"),
        null=True,
        blank=True,
        help_text=_(
            "How many other people must sign before the pledge is on (empty: no threshold)."
        ),
    )
    threshold_deadline = models.DateField(_("deadline for others to join"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    signer_count = models.PositiveIntegerField(_("signers"), default=1, editable=False)
    done_count = models.PositiveIntegerField(_("done"), default=0, editable=False)
    total_quantity = models.DecimalField(
        _("measured total"), max_digits=14, decimal_places=2, default=Decimal("0"), editable=False
    )

    created_at = models.DateTimeField(_("made at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    activated_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    failed_at = models.DateTimeField(
        _("threshold missed at"), null=True, blank=True, editable=False
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        indexes = [
            # The wall's three sorts, each with an id tiebreak for keyset-friendly order.
            # The columns the visibility rule and the default filter test ride along
            # (INCLUDE), so a page of the wall finds its ids in the index alone.
            models.Index(
                fields=["-created_at", "-id"],
                name="pledges_newest_covering",
                include=WALL_RULE_COLUMNS,
            ),
            models.Index(
                fields=["status", "-created_at", "-id"],
                name="pledges_status_newest_covering",
                include=WALL_RULE_COLUMNS[1:],
            ),
            models.Index(fields=["status", "due_date", "id"], name="pledges_status_due"),
            # "Ending soon": open pledges by due date, read in index order.
            models.Index(
                fields=["due_date", "id"],
                name="pledges_open_by_due",
                condition=Q(status__in=["gathering", "active"]),
            ),
            # "Most signed" is read from SignerTally's index, not one on signer_count:
            # an index on it would make every co-sign's counter update write an entry
            # in each of this table's indexes (see SignerTally).
            # A community's newest pledges (its page, its section), read in index order.
            models.Index(
                fields=["community", "-created_at", "-id"], name="pledges_community_newest"
            ),
            models.Index(
                fields=["status", "threshold_deadline"],
                name="pledges_gathering_deadline",
                condition=Q(status="gathering"),
            ),
            # Without the pending list (fastupdate): a co-sign rewrites its pledge's row,
            # so every co-sign adds the pledge's words to this index again, and with a
            # pending list the one that found it full merged all 4 MB of it first (255
            # ms, against 23 ms at worst without; 0.35 ms more for each update).
            GinIndex(fields=["search_document"], name="pledges_search_document", fastupdate=False),
            # The wall filtered to one language, newest first: a range read of this index.
            models.Index(fields=["language", "-created_at", "-id"], name="pledges_language_newest"),
            # A moderator's count of pledges waiting for them, per community.
            models.Index(
                fields=["community"],
                name="pledges_pending_by_community",
                condition=Q(moderation_status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__isnull=True)
                | Q(threshold__gte=1, threshold__lte=THRESHOLD_MAX),
                name="pledges_threshold_range",
            ),
            models.CheckConstraint(
                condition=~Q(visibility="community") | Q(community__isnull=False),
                name="pledges_community_only_needs_community",
            ),
            models.CheckConstraint(
                condition=Q(total_quantity__gte=0), name="pledges_total_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.sentence

    def get_absolute_url(self) -> str:
        return paths.path_for("pledges:detail", self.pk)

    @property
    def status_label(self) -> str:
        """`get_status_display()` without its cost: Django hashes every choice's
        translated label on each call, which a page of twenty cards felt."""
        try:
            return self.Status(self.status).label
        except ValueError:  # a status no choice names
            return self.status

    @property
    def sentence(self) -> str:
        # Translators: a pledge as it reads; %(title)s is what the member typed.
        return gettext("I will %(title)s") % {"title": self.title}

    @property
    def threshold_sentence(self) -> str:
        if not self.threshold:
            return ""
        return ngettext(
            "but only if %(num)s other person will too",
            "but only if %(num)s other people will too",
            self.threshold,
        ) % {"num": self.threshold}

    @property
    def co_signer_count(self) -> int:
        return max(self.signer_count - 1, 0)

    @property
    def signers_still_needed(self) -> int:
        if not self.threshold or self.status != self.Status.GATHERING:
            return 0
        return max(self.threshold - self.co_signer_count, 0)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def unit(self) -> str:
        return self.campaign.unit if self.campaign_id else ""

    @property
    def total_quantity_text(self) -> str:
        return format_quantity(self.total_quantity)

    @property
    def moderation_community(self):
        return self.community

    @property
    def moderation_author(self):
        return self.author


class SignerTally(models.Model):
    """A pledge's signer count again, in a narrow table of its own, for the wall's "most
    signed" order.

    With its index here, no index on the pledge holds `Pledge.signer_count`, so a
    co-sign's counter update is a heap-only (HOT) update of the pledge's row: no entry
    in any of the pledge's indexes (the full-text one among them), and after a
    checkpoint a full image of one page rather than of one page in each index. The
    table's pages keep room for it (fillfactor, in the migration).

    PostgreSQL keeps the copy (triggers in the migration that made this table): every
    pledge inserted gets its row, and every change of `Pledge.signer_count`, by a
    service, a recount or raw SQL, is written here in the same transaction. The pledge
    deleted takes its row with it. Nothing in Python writes it."""

    pledge = models.OneToOneField(
        Pledge,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="tally",
        verbose_name=_("pledge"),
    )
    signer_count = models.PositiveIntegerField(_("signers"), default=1, editable=False)

    class Meta:
        verbose_name = _("signer tally")
        verbose_name_plural = _("signer tallies")
        indexes = [
            models.Index(fields=["-signer_count", "-pledge"], name="pledges_most_signed"),
        ]

    def __str__(self) -> str:
        return ngettext(
            "%(num)s signer of pledge %(pledge)s",
            "%(num)s signers of pledge %(pledge)s",
            self.signer_count,
        ) % {"num": self.signer_count, "pledge": self.pledge_id}


class Signature(models.Model):
    """One member's commitment to a pledge; the author's is the first."""

    # Neither key has an index of its own: the unique constraint and the order index
    # lead with the pledge, the member's index with the member, and every co-sign
    # would write an entry in two more indexes (with a full page image of each page it
    # touches first after a checkpoint).
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.CASCADE,
        related_name="signatures",
        verbose_name=_("pledge"),
        db_index=False,
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pledge_signatures",
        verbose_name=_("member"),
        db_index=False,
    )
    is_author = models.BooleanField(_("made the pledge"), default=False)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    last_check_in_at = models.DateTimeField(_("last check-in at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(_("what happened"), max_length=OUTCOME_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "member"], name="pledges_signature_unique"),
        ]
        indexes = [
            models.Index(fields=["pledge", "signed_at", "id"], name="pledges_signature_order"),
            models.Index(fields=["member", "-signed_at"], name="pledges_signature_member"),
        ]

    def __str__(self) -> str:
        return gettext("%(member)s signed pledge %(pledge)s") % {
            "member": self.member,
            "pledge": self.pledge_id,
        }

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CoSignersNoticeDue(models.Model):
    """A co-sign whose author has not yet heard of it: the pledge and the day it was
    signed on, written by the co-sign in its own transaction (`services.pledge_sign`).

    Rows are appended, never upserted, so co-signs of one pledge never queue behind
    one hot row. Every minute the beat sweep (`services.tell_authors_about_co_signers`)
    claims rows with SELECT … FOR UPDATE SKIP LOCKED, brings each pledge's notice of
    that day up to date with one count, and deletes exactly the rows it claimed; a
    co-sign committed meanwhile leaves a row the next sweep finds. So a burst of
    co-signs makes one count, and the broker is never asked during a co-sign."""

    # No index on the pledge: the sweep reads rows by their key, and each index would
    # cost every co-sign a write. A deleted pledge takes its rows with it.
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, db_index=False, related_name="+", verbose_name=_("pledge")
    )
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("co-signed at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("co-signers notice waiting")
        verbose_name_plural = _("co-signers notices waiting")

    def __str__(self) -> str:
        return gettext("Pledge %(pledge)s, %(day)s") % {"pledge": self.pledge_id, "day": self.day}


class CheckIn(Moderated):
    """A progress note from someone who signed, optionally with a measured quantity."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("pledge")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pledge_check_ins",
        verbose_name=_("author"),
    )
    note = models.TextField(_("note"), max_length=2000)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    language = written.language_field()
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            models.Index(fields=["pledge", "-created_at", "-id"], name="pledges_checkin_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="pledges_checkin_quantity_positive",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Check-in by %(author)s on pledge %(pledge)s") % {
            "author": self.author,
            "pledge": self.pledge_id,
        }

    def get_absolute_url(self) -> str:
        return f"{self.pledge.get_absolute_url()}#check-in-{self.pk}"

    @property
    def quantity_text(self) -> str:
        return format_quantity(self.quantity)

    @property
    def moderation_community(self):
        return self.pledge.community

    @property
    def moderation_author(self):
        return self.author


THANKS_NOTE_MAX_LENGTH = 280


class Thanks(Moderated):
    """One member thanks a colleague for a check-in or for a commitment they marked done.

    Once per giver and thing thanked, never to oneself. The optional note is member
    content: it can be flagged and hidden like a comment; a hidden note is not shown,
    but the thanks still count."""

    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="thanks_given",
        verbose_name=_("thanked by"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="thanks_received",
        verbose_name=_("thanked"),
    )
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="thanks", verbose_name=_("pledge")
    )
    check_in = models.ForeignKey(
        CheckIn,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="thanks",
        verbose_name=_("check-in"),
    )
    commitment = models.ForeignKey(
        Signature,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="thanks",
        verbose_name=_("commitment done"),
    )
    note = models.CharField(_("note"), max_length=THANKS_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("thanked at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thank-you")
        verbose_name_plural = _("thank-yous")
        indexes = [
            # A member's thanks, oldest first: the profile count and the badge's fifth.
            models.Index(fields=["recipient", "created_at", "id"], name="pledges_thanks_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_in__isnull=True, commitment__isnull=False)
                | Q(check_in__isnull=False, commitment__isnull=True),
                name="pledges_thanks_for_one_thing",
            ),
            models.CheckConstraint(
                condition=~Q(giver=models.F("recipient")), name="pledges_thanks_not_oneself"
            ),
            models.UniqueConstraint(
                fields=["giver", "check_in"],
                condition=Q(check_in__isnull=False),
                name="pledges_thanks_once_a_check_in",
            ),
            models.UniqueConstraint(
                fields=["giver", "commitment"],
                condition=Q(commitment__isnull=False),
                name="pledges_thanks_once_a_commitment",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(giver)s thanked %(recipient)s") % {
            "giver": self.giver,
            "recipient": self.recipient,
        }

    def get_absolute_url(self) -> str:
        anchor = f"check-in-{self.check_in_id}" if self.check_in_id else "signers"
        return f"{paths.path_for('pledges:detail', self.pledge_id)}#{anchor}"

    @property
    def moderation_community(self):
        return self.pledge.community

    @property
    def moderation_author(self):
        return self.giver


class CheckInLinkUse(models.Model):
    """A one-tap check-in link that has been used (pledges/check_in_links.py): the
    digest of its token, never the token, so the table holds no working credential."""

    token_digest = models.CharField(_("link digest"), max_length=64, unique=True)
    # Kept when the check-in is deleted, so the link stays used.
    check_in = models.OneToOneField(
        CheckIn,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="made_by_link",
        verbose_name=_("check-in"),
    )
    used_at = models.DateTimeField(_("used at"), default=timezone.now)

    class Meta:
        verbose_name = _("one-tap check-in link used")
        verbose_name_plural = _("one-tap check-in links used")

    def __str__(self) -> str:
        return gettext("Link used for check-in %(check_in)s") % {"check_in": self.check_in_id}
