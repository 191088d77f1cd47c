"""What happened: a pledge's outcome once it is over, for its page, the API and the
notices to the people who co-signed it.

A pledge is over when it is completed (everyone who signed is done, or its due date
passed: it lapsed) or failed (its threshold was not reached in time). Its outcome is
how many of the people who signed did it, the measured total in its campaign's unit,
the author's own sentence about what happened, and the story told about it, if any.

Stories live above pledges, so pledges never imports them: the stories app registers
a story finder here (`register_story_finder`) in its AppConfig.ready(), called as
fn(*, pledge, user) -> StoryLink | None, and tells pledges when a story about a pledge
is published (`pledges.services.pledge_story_told`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from pledges.models import Pledge, Signature, format_quantity

OVER_STATUSES = (Pledge.Status.COMPLETED, Pledge.Status.FAILED)


@dataclass(frozen=True)
class StoryLink:
    title: str
    url: str


StoryFinder = Callable[..., "StoryLink | None"]
_story_finders: list[StoryFinder] = []


def register_story_finder(function: StoryFinder) -> StoryFinder:
    if function not in _story_finders:
        _story_finders.append(function)
    return function


def unregister_story_finder(function: StoryFinder) -> None:
    if function in _story_finders:
        _story_finders.remove(function)


def story_told_about(*, pledge: Pledge, user=None) -> StoryLink | None:
    """The story about `pledge` that `user` may read (None: anyone may), if one is told."""
    for function in _story_finders:
        story = function(pledge=pledge, user=user)
        if story is not None:
            return story
    return None


@dataclass(frozen=True)
class PledgeOutcome:
    status: str
    lapsed: bool
    signers: int
    done: int
    total: Decimal
    unit: str
    sentence: str
    story: StoryLink | None

    @property
    def total_text(self) -> str:
        return format_quantity(self.total)

    @property
    def has_total(self) -> bool:
        return self.total > 0

    @property
    def headline(self) -> str:
        if self.status == Pledge.Status.FAILED:
            return _("This pledge did not reach its threshold, so nobody was held to it.")
        if self.lapsed:
            return _("This pledge passed its due date.")
        return _("Everyone who signed this pledge did it.")

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "lapsed": self.lapsed,
            "signers": self.signers,
            "done": self.done,
            "total": self.total_text,
            "unit": self.unit,
            "sentence": self.sentence,
            "story": ({"title": self.story.title, "url": self.story.url} if self.story else None),
        }


def is_over(pledge: Pledge) -> bool:
    return pledge.status in OVER_STATUSES


# Where a read that had the author's sentence in hand (`reads.pledge_and_signature`)
# leaves it on the pledge, so that its page does not ask again.
_AUTHOR_SENTENCE = "_author_sentence"


def put_author_sentence(pledge: Pledge, sentence: str) -> None:
    """Leave on `pledge` its author's sentence, as `author_sentence` reads it, from a
    read that had it in hand."""
    pledge.__dict__[_AUTHOR_SENTENCE] = sentence


def author_sentence(pledge: Pledge) -> str:
    """What the author said happened when they marked their commitment done."""
    known = pledge.__dict__.get(_AUTHOR_SENTENCE)
    if known is not None:
        return known
    return (
        Signature.objects.filter(pledge=pledge, is_author=True, done_at__isnull=False)
        .values_list("outcome", flat=True)
        .first()
        or ""
    )


def outcome_of(*, pledge: Pledge, user=None) -> PledgeOutcome | None:
    """The outcome of a pledge that is over, as `user` may see it; None while it runs
    (or once withdrawn)."""
    if not is_over(pledge):
        return None
    completed = pledge.status == Pledge.Status.COMPLETED
    return PledgeOutcome(
        status=pledge.status,
        lapsed=completed and pledge.done_count < pledge.signer_count,
        signers=pledge.signer_count,
        done=pledge.done_count,
        total=pledge.total_quantity,
        unit=pledge.unit,
        sentence=author_sentence(pledge),
        story=story_told_about(pledge=pledge, user=user),
    )
