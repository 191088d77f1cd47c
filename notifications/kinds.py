"""What members read about each kind of notification: preference labels, groups and
why an email came to them."""

from __future__ import annotations

from notifications.models import Kind

# The preferences page shows kinds in these groups, in this order.
GROUPS: list[tuple[str, list[str]]] = [
    (
        "Your pledges",
        [
            Kind.PLEDGE_DUE_SOON,
            Kind.NO_CHECK_IN,
            Kind.NEW_CO_SIGNERS,
            Kind.PLEDGE_LAPSED,
            Kind.STORY_INVITATION,
        ],
    ),
    ("Pledges you co-signed", [Kind.THRESHOLD_REACHED, Kind.THRESHOLD_FAILED]),
    ("Change stories", [Kind.CO_AUTHOR_INVITATION, Kind.STORY_COMMENT, Kind.STORY_REACTION]),
    (
        "Communities",
        [
            Kind.MEMBERSHIP_DECIDED,
            Kind.CONTENT_MODERATED,
            Kind.MEMBERSHIP_REQUEST,
            Kind.ORGANISER_DIGEST,
        ],
    ),
    ("Learning", [Kind.MODULE_CONTINUE, Kind.CERTIFICATE_ISSUED]),
]

PREFERENCE_LABELS: dict[str, str] = {
    Kind.PLEDGE_DUE_SOON: "Your pledge is nearly due",
    Kind.NO_CHECK_IN: "You have not checked in on your pledge for a while",
    Kind.NEW_CO_SIGNERS: "New people co-sign your pledge",
    Kind.PLEDGE_LAPSED: "Your pledge passed its due date",
    Kind.STORY_INVITATION: "An invitation to tell the story of a pledge you completed",
    Kind.THRESHOLD_REACHED: "A pledge you co-signed reached its threshold and goes ahead",
    Kind.THRESHOLD_FAILED: "A pledge you co-signed closed without enough co-signers",
    Kind.CO_AUTHOR_INVITATION: "Someone invites you to co-author a change story",
    Kind.STORY_COMMENT: "Someone comments on your change story",
    Kind.STORY_REACTION: "Someone reacts to your change story",
    Kind.MEMBERSHIP_DECIDED: "An organiser answers your request to join a community",
    Kind.CONTENT_MODERATED: "An organiser moderates something you posted",
    Kind.MEMBERSHIP_REQUEST: "Someone asks to join a community you organise",
    Kind.ORGANISER_DIGEST: "Weekly digest for organisers: moderation queue, new members, "
    "achievements",
    Kind.MODULE_CONTINUE: "A reminder to continue a learning module you started",
    Kind.CERTIFICATE_ISSUED: "Your learning certificate is ready",
}

REASONS: dict[str, str] = {
    Kind.PLEDGE_DUE_SOON: "you made a pledge on Radicals",
    Kind.NO_CHECK_IN: "you made a pledge on Radicals",
    Kind.NEW_CO_SIGNERS: "you made a pledge on Radicals",
    Kind.PLEDGE_LAPSED: "you made a pledge on Radicals",
    Kind.STORY_INVITATION: "you marked a pledge as done",
    Kind.THRESHOLD_REACHED: "you made or co-signed this pledge",
    Kind.THRESHOLD_FAILED: "you made or co-signed this pledge",
    Kind.CO_AUTHOR_INVITATION: "another member invited you to write a story with them",
    Kind.STORY_COMMENT: "you wrote this change story",
    Kind.STORY_REACTION: "you wrote this change story",
    Kind.MEMBERSHIP_DECIDED: "you asked to join a community",
    Kind.CONTENT_MODERATED: "you posted in a Radicals community",
    Kind.MEMBERSHIP_REQUEST: "you organise a community on Radicals",
    Kind.ORGANISER_DIGEST: "you organise a community on Radicals",
    Kind.MODULE_CONTINUE: "you started a learning module",
    Kind.CERTIFICATE_ISSUED: "you completed a learning module",
}

# Short answers for the radio buttons on the preferences page.
DELIVERY_CHOICES: list[tuple[str, str]] = [
    ("immediate", "Email me straight away"),
    ("digest", "Include in my daily digest email"),
    ("off", "No email (show it on Radicals only)"),
]


def label_for(kind: str) -> str:
    return PREFERENCE_LABELS.get(kind) or Kind(kind).label
