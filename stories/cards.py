"""A story's card, its byline and its status tag, as the story feed, a community's page,
a pledge's page, a member's profile, the home page and "Your stories" list them:
written in Python, because a list draws many and the same card as nested Jinja macros
cost more than the list's query.

Every word a person reads goes through the catalogues, with the msgids the templates
use; every value is escaped. tests/stories/test_cards.py holds the markup.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from kernel import paths, written
from kernel.components import tag
from kernel.formats import date, sentence_html
from kernel.rendering import gettext, ngettext


def byline(story, viewer, co_authors) -> Markup:
    """ "By Alice with Bob and Carol": the author and the co-authors who accepted, each as
    they allow `viewer` to know them. `co_authors`: the accepted co-authors, with their
    members."""
    return Markup(_byline_html(story, viewer, co_authors))  # noqa: S704 # nosec B704 - escaped there


def _byline_html(story, viewer, co_authors) -> str:
    """`byline` as a plain string of HTML, every name escaped."""
    author = story.author.name_for(viewer)
    names = [co_author.member.name_for(viewer) for co_author in co_authors or ()]
    if not names:
        return sentence_html(gettext("By %(author)s"), author=author)
    if len(names) == 1:
        return sentence_html(
            gettext("By %(author)s with %(co_author)s"), author=author, co_author=names[0]
        )
    return sentence_html(
        gettext("By %(author)s with %(co_authors)s and %(last)s"),
        author=author,
        co_authors=", ".join(names[:-1]),
        last=names[-1],
    )


def _tags(story) -> list:
    """The story's tags: those its list's read put on it (stories.reads' `card_tags`, or
    `prefetch_related("tags")`), else one query. Iterating the prefetched queryset reads
    its results; `story.tags.all()` would build a manager and copy the queryset first."""
    listed = getattr(story, "card_tags", None)
    if listed is not None:
        return listed
    prefetched = getattr(story, "_prefetched_objects_cache", {}).get("tags")
    return list(prefetched if prefetched is not None else story.tags.all())


def status_tag(story) -> Markup:
    """Where a story stands, for its author and its reviewers."""
    if story.status == "draft":
        return tag(gettext("Draft"), "grey")
    if story.status == "submitted":
        return tag(gettext("Waiting for review"), "yellow")
    if story.status == "returned":
        return tag(gettext("Returned with a note"), "orange")
    if story.moderation_status == "hidden":
        return tag(gettext("Hidden by moderators"), "red")
    if story.is_featured:
        return tag(gettext("Featured"), "purple")
    return tag(gettext("Published"), "green")


def story_card(story, viewer, heading_level: int = 2, show_status: bool = False) -> Markup:
    """One story as a clickable NHS.UK card, its title a heading of `heading_level`
    linking to the story. Reads the story's author, community, accepted co-authors
    (`accepted_co_authors`) and tags: the stories selectors' list data."""
    heading_level = int(heading_level)
    lang = written.lang_attribute(story)
    # Words are translated outside the f-strings, where the catalogues' extraction finds them.
    if show_status:
        status = f'<p class="nhsuk-u-margin-bottom-2">{status_tag(story)}</p>\n    '
    elif story.is_featured:
        featured = tag(gettext("Featured"), "purple")
        status = f'<p class="nhsuk-u-margin-bottom-2">{featured}</p>'
    else:
        status = ""
    outcome = ""
    if story.outcome:
        label = escape(gettext("Outcome:"))
        outcome = (
            f'<p class="radicals-story-outcome"><strong>{label}</strong> '
            f"{written.own_words(story, story.outcome)}</p>"
        )
    # Plain strings of HTML, each value escaped once as it is written, and the card
    # marked safe once at the end: a Markup for every part cost as much as the parts.
    about = _byline_html(story, viewer, story.accepted_co_authors)
    if story.community_id:
        about += f" · {escape(story.community.name)}"
    if story.published_at:
        about += f" · {escape(date(story.published_at))}"
    # The msgids are ours; the values are whole numbers.
    inspired = ngettext("%(num)s inspired", "%(num)s inspired", story.inspired_count) % {
        "num": int(story.inspired_count)
    }
    comments = ngettext("%(num)s comment", "%(num)s comments", story.comment_count) % {
        "num": int(story.comment_count)
    }
    tags = _tags(story)
    tags_html = ""
    if tags:
        tags_label = escape(gettext("Tags:"))
        tags_html = (
            '<p class="nhsuk-body-s nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0">'
            f'<span class="nhsuk-u-visually-hidden">{tags_label} </span>'
            + "".join(f"{tag(t.name, 'blue')} " for t in tags)
            + "</p>\n    "
        )
    url = escape(paths.path("stories:detail", story.slug))
    # Every value is escaped above, by Markup's own formatting or by escape().
    return Markup(  # noqa: S704 # nosec B704
        '<div class="nhsuk-card nhsuk-card--clickable radicals-story-card">\n'
        '  <div class="nhsuk-card__content">\n'
        f"    {status}\n"
        f'    <h{heading_level} class="nhsuk-card__heading nhsuk-heading-m">\n'
        f'      <a class="nhsuk-card__link" href="{url}"{lang}>{escape(story.title)}</a>\n'
        f"    </h{heading_level}>\n"
        f'    <p class="nhsuk-card__description"{lang}>{escape(story.summary)}</p>\n'
        f"    {outcome}\n"
        '    <p class="nhsuk-body-s radicals-muted nhsuk-u-margin-bottom-0">\n'
        f"      {about}\n"
        f"      · {inspired} · {comments}\n"
        "    </p>\n"
        f"    {tags_html}\n"
        "  </div>\n"
        "</div>"
    )


def story_list(stories, viewer, heading_level: int = 2, show_status: bool = False) -> Markup:
    """Stories as a list of cards."""
    items = "".join(
        f"  <li>{story_card(story, viewer, heading_level, show_status)}</li>\n" for story in stories
    )
    # Each card is escaped by story_card.
    return Markup(f'<ul class="nhsuk-list radicals-story-list">\n{items}</ul>')  # noqa: S704 # nosec B704
