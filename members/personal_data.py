"""Where a member's data lives: what "Download your data" puts in the zip, and what
"Delete your account" removes or keeps.

Each `Holding` names a model (by label, so members never imports the apps built on it)
and the paths from its rows to the member. Every foreign key, one-to-one or
many-to-many to the user model, in any installed app, is either listed in a holding
or in `NOT_EXPORTED` with the reason; `tests/security/test_data_rights.py` walks
`apps.get_models()` and fails when a relation is in neither, so a new model that
points at members cannot ship without its place in the export being decided.

On erasure a holding's rows are either deleted (`DELETE`: rows that only serve the
member and count towards nothing, like their email addresses and notifications) or
kept (`KEEP`): the row stays, pointing at the same account, which is now anonymous
("A former member"), so every pledge's signer count, every campaign total and every
rollup stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KEEP = "keep"
DELETE = "delete"


@dataclass(frozen=True)
class Holding:
    model: str  # "app_label.ModelName"
    lookups: tuple[str, ...]  # ORM paths from the model to the member, any of which owns a row
    on_erasure: str = KEEP
    omit: tuple[str, ...] = ()  # fields never written to the export (credentials)
    description: str | Promise = ""  # shown in the export's README, in the member's language

    @property
    def file_name(self) -> str:
        return f"{self.model.lower()}.json"

    def model_class(self) -> type[Model] | None:
        try:
            return apps.get_model(self.model)
        except LookupError:
            return None

    def rows_of(self, member) -> QuerySet:
        model = self.model_class()
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{lookup: member.pk})
        return model._default_manager.filter(condition).distinct().order_by("pk")


HOLDINGS: list[Holding] = [
    # --- members and accounts ------------------------------------------------------------
    Holding(
        "members.User",
        ("pk",),
        omit=("password",),
        description=_(
            "Your account and profile (without your password, which is stored "
            "only as a one-way hash)."
        ),
    ),
    Holding(
        "members.DataExport",
        ("member",),
        on_erasure=DELETE,
        omit=("token",),
        description=_("Copies of your data you asked for."),
    ),
    Holding(
        "account.EmailAddress",
        ("user",),
        on_erasure=DELETE,
        description=_("Your email addresses and whether each is verified."),
    ),
    Holding(
        "socialaccount.SocialAccount",
        ("user",),
        on_erasure=DELETE,
        description=_("Single sign-on accounts linked to yours."),
    ),
    Holding(
        "usersessions.UserSession",
        ("user",),
        on_erasure=DELETE,
        omit=("session_key",),
        description=_("Where you are logged in: address, browser and when."),
    ),
    # --- communities -----------------------------------------------------------------------
    Holding(
        "communities.Membership",
        ("member",),
        description=_("Communities you belong to, asked to join or were invited to."),
    ),
    Holding(
        "communities.Community",
        ("requested_by",),
        description=_("Communities you asked the platform to create."),
    ),
    Holding(
        "communities.Invitation",
        ("created_by",),
        omit=("token",),
        description=_("Invitation links you made as an organiser."),
    ),
    Holding(
        "communities.Flag",
        ("reporter",),
        description=_("Content and members you reported to moderators."),
    ),
    # --- pledges ---------------------------------------------------------------------------
    Holding("pledges.Pledge", ("author",), description=_("Pledges you made.")),
    Holding(
        "pledges.Signature",
        ("member",),
        description=_("Pledges you signed (your own included), with your outcome."),
    ),
    Holding("pledges.CheckIn", ("author",), description=_("Your check-ins on pledges.")),
    Holding(
        "pledges.Thanks",
        ("giver", "recipient"),
        description=_("Thanks you gave colleagues and thanks they gave you, with their notes."),
    ),
    # --- stories ---------------------------------------------------------------------------
    Holding("stories.Story", ("author",), description=_("Stories you wrote.")),
    Holding("stories.CoAuthor", ("member",), description=_("Stories you were asked to co-author.")),
    Holding("stories.Comment", ("author",), description=_("Your comments on stories.")),
    Holding("stories.Reaction", ("member",), description=_("Stories you found inspiring.")),
    # --- learning --------------------------------------------------------------------------
    Holding("learning.Enrolment", ("member",), description=_("Modules you enrolled in.")),
    Holding(
        "learning.LessonProgress",
        ("enrolment__member",),
        description=_("Lessons you opened and completed."),
    ),
    Holding(
        "learning.QuizAttempt",
        ("enrolment__member",),
        description=_("Your quiz attempts and scores."),
    ),
    Holding(
        "learning.AttemptAnswer",
        ("attempt__enrolment__member",),
        description=_("The answers you chose in each quiz attempt."),
    ),
    Holding("learning.Certificate", ("member",), description=_("Certificates you earned.")),
    # --- notifications ---------------------------------------------------------------------
    Holding(
        "notifications.Notification",
        ("recipient",),
        on_erasure=DELETE,
        description=_("Notifications sent to you."),
    ),
    Holding(
        "notifications.NotificationPreference",
        ("user",),
        on_erasure=DELETE,
        description=_("How you asked to be emailed about each kind of notification."),
    ),
    Holding(
        "notifications.Digest",
        ("recipient",),
        on_erasure=DELETE,
        description=_("Daily digest emails sent to you."),
    ),
    # --- reports: invitations, attributions, badges ---------------------------------------
    Holding(
        "reports.Invite",
        ("member",),
        omit=("token",),
        description=_("Your personal invitation link."),
    ),
    Holding(
        "reports.InviteEmail",
        ("inviter",),
        description=_("Invitations you emailed to colleagues."),
    ),
    Holding(
        "reports.Attribution",
        ("inviter", "invitee"),
        description=_("Who brought you in, and whom you brought in."),
    ),
    Holding(
        "reports.Mobiliser",
        ("member",),
        description=_("Your place among the members who bring others in."),
    ),
    Holding(
        "reports.LoneWolf",
        ("member",),
        description=_("Whether you pledge alone (used to suggest communities)."),
    ),
    Holding("reports.Badge", ("member",), description=_("Badges you earned.")),
    Holding("reports.BadgeSetting", ("member",), description=_("Whether you hide your badges.")),
    Holding(
        "reports.Export",
        ("requested_by",),
        description=_("Report exports you asked for as an organiser or admin."),
    ),
    Holding(
        "reports.ReportSubscription",
        ("member",),
        description=_("Summary reports you subscribed to."),
    ),
]

# "app_label.Model.field" -> why rows reached through it are not the member's data.
NOT_EXPORTED: dict[str, str] = {
    "authtoken.Token.user": "Your API token is a password for the API: it is shown on your "
    "settings page, and a copy in a download would be one more place to steal it from.",
    "authtoken.TokenProxy.user": "The same rows as authtoken.Token (a proxy for the admin).",
    "admin.LogEntry.user": "The admin site's record of changes an admin made to other "
    "people's records: the platform's audit, not the admin's personal data.",
    "communities.Membership.invited_by": "Other members' memberships; yours name who invited "
    "you and are exported in full.",
    "communities.Invitation.revoked_by": "An organiser's moderation record about a link.",
    "communities.Flag.resolved_by": "A moderator's decision on someone else's report.",
    "communities.AuditEntry.actor": "The append-only moderation audit: entries about what an "
    "organiser did to other people's content. Moderation of your own content reaches you as "
    "notifications, which are exported.",
    "stories.Story.reviewed_by": "A reviewer's decision on someone else's story.",
    "stories.Story.featured_by": "An organiser's choice to feature someone else's story.",
    "stories.CoAuthor.invited_by": "Invitations you sent are rows of the invited member; your "
    "stories and their co-authors are exported with the stories.",
    "stories.StoryEvent.actor": "The editorial history of stories, mostly reviewers' actions "
    "on other people's stories.",
    "learning.Certificate.revoked_by": "An admin's decision about someone else's certificate.",
    "reports.SpcBaseline.created_by": "An organiser's or admin's choice to re-base a "
    "community's or the platform's chart at a date: a setting of the reports, not about "
    "the person who chose it (it is kept, without them, when their account goes).",
}


def holdings() -> list[Holding]:
    """The holdings whose models are installed."""
    return [holding for holding in HOLDINGS if holding.model_class() is not None]


def user_relations(models=None) -> set[str]:
    """Every "app_label.Model.field" (foreign key, one-to-one or many-to-many) that points
    at the user model, in any installed app (or in `models`)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    found = set()
    for model in apps.get_models() if models is None else models:
        for field in model._meta.get_fields():
            declared_here = field.concrete or (field.many_to_many and not field.auto_created)
            if declared_here and field.is_relation and field.related_model is user_model:
                found.add(f"{model._meta.label}.{field.name}")
    return found


def covered_relations() -> set[str]:
    """The relations the export follows: each holding's first step to the member."""
    return {
        f"{holding.model}.{lookup.split('__')[0]}"
        for holding in HOLDINGS
        for lookup in holding.lookups
        if "__" not in lookup and lookup != "pk"
    }
