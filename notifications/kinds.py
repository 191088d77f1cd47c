"""What members read about each kind of notification: preference labels, groups and
why an email came to them."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind

# The preferences page shows kinds in these groups, in this order.
GROUPS: list[tuple[Promise, list[str]]] = [
    (
        _("Your pledges"),
        [
            Kind.PLEDGE_DUE_SOON,
            Kind.NO_CHECK_IN,
            Kind.NEW_CO_SIGNERS,
            Kind.PLEDGE_LAPSED,
            Kind.STORY_INVITATION,
            Kind.THANKS,
        ],
    ),
    (
        _("Pledges you co-signed"),
        [Kind.THRESHOLD_REACHED, Kind.THRESHOLD_FAILED, Kind.PLEDGE_OUTCOME, Kind.PLEDGE_STORY],
    ),
    (_("Change stories"), [Kind.CO_AUTHOR_INVITATION, Kind.STORY_COMMENT, Kind.STORY_REACTION]),
    (
        _("Communities"),
        [
            Kind.MEMBERSHIP_DECIDED,
            Kind.CONTENT_MODERATED,
            Kind.MEMBERSHIP_REQUEST,
            Kind.ORGANISER_DIGEST,
        ],
    ),
    (_("Learning"), [Kind.MODULE_CONTINUE, Kind.CERTIFICATE_ISSUED]),
]

PREFERENCE_LABELS: dict[str, Promise] = {
    Kind.PLEDGE_DUE_SOON: _("Your pledge is nearly due"),
    Kind.NO_CHECK_IN: _("You have not checked in on your pledge for a while"),
    Kind.NEW_CO_SIGNERS: _("New people co-sign your pledge"),
    Kind.PLEDGE_LAPSED: _("Your pledge passed its due date"),
    Kind.STORY_INVITATION: _("An invitation to tell the story of a pledge you completed"),
    Kind.THANKS: _("A colleague thanks you for a check-in or a commitment you marked done"),
    Kind.THRESHOLD_REACHED: _("A pledge you co-signed reached its threshold and goes ahead"),
    Kind.THRESHOLD_FAILED: _("A pledge you co-signed closed without enough co-signers"),
    Kind.PLEDGE_OUTCOME: _(
        "A pledge you co-signed is over: how many did it, what they measured, what happened"
    ),
    Kind.PLEDGE_STORY: _("Someone tells the story of a pledge you co-signed"),
    Kind.CO_AUTHOR_INVITATION: _("Someone invites you to co-author a change story"),
    Kind.STORY_COMMENT: _("Someone comments on your change story"),
    Kind.STORY_REACTION: _("Someone reacts to your change story"),
    Kind.MEMBERSHIP_DECIDED: _("An organiser answers your request to join a community"),
    Kind.CONTENT_MODERATED: _("An organiser moderates something you posted"),
    Kind.MEMBERSHIP_REQUEST: _("Someone asks to join a community you organise"),
    Kind.ORGANISER_DIGEST: _(
        "Weekly digest for organisers: moderation queue, new members, achievements"
    ),
    Kind.MODULE_CONTINUE: _("A reminder to continue a learning module you started"),
    Kind.CERTIFICATE_ISSUED: _("Your learning certificate is ready"),
}

REASONS: dict[str, Promise] = {
    Kind.PLEDGE_DUE_SOON: _("you made a pledge on Radicals"),
    Kind.NO_CHECK_IN: _("you made a pledge on Radicals"),
    Kind.NEW_CO_SIGNERS: _("you made a pledge on Radicals"),
    Kind.PLEDGE_LAPSED: _("you made a pledge on Radicals"),
    Kind.STORY_INVITATION: _("you marked a pledge as done"),
    Kind.THANKS: _("you checked in on a pledge or marked your commitment done"),
    Kind.THRESHOLD_REACHED: _("you made or co-signed this pledge"),
    Kind.THRESHOLD_FAILED: _("you made or co-signed this pledge"),
    Kind.PLEDGE_OUTCOME: _("you co-signed this pledge"),
    Kind.PLEDGE_STORY: _("you co-signed this pledge"),
    Kind.CO_AUTHOR_INVITATION: _("another member invited you to write a story with them"),
    Kind.STORY_COMMENT: _("you wrote this change story"),
    Kind.STORY_REACTION: _("you wrote this change story"),
    Kind.MEMBERSHIP_DECIDED: _("you asked to join a community"),
    Kind.CONTENT_MODERATED: _("you posted in a Radicals community"),
    Kind.MEMBERSHIP_REQUEST: _("you organise a community on Radicals"),
    Kind.ORGANISER_DIGEST: _("you organise a community on Radicals"),
    Kind.MODULE_CONTINUE: _("you started a learning module"),
    Kind.CERTIFICATE_ISSUED: _("you completed a learning module"),
}

# Short answers for the radio buttons on the preferences page.
DELIVERY_CHOICES: list[tuple[str, Promise]] = [
    ("immediate", _("Email me straight away")),
    ("digest", _("Include in my daily digest email")),
    ("off", _("No email (show it on Radicals only)")),
]


def lazy_label_for(kind: str) -> Promise:
    return PREFERENCE_LABELS.get(kind) or Kind(kind).label


def label_for(kind: str) -> str:
    """The kind's label in the active language."""
    return str(lazy_label_for(kind))


def reason_for(kind: str) -> str:
    """Why a member gets an email of this kind, to end "You are getting this email
    because …", in the active language."""
    return str(REASONS.get(kind) or _("you have a Radicals account"))
