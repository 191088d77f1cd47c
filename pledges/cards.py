"""A pledge's card, as the wall, a community, a campaign, a profile and "Your pledges"
list it: written in Python, because a page draws twenty of them and the same card as a
Jinja macro (with its tags, author rule and signer sentence as nested macros) cost
about a third of a millisecond each, more than the page's own query.

The card is an NHS.UK clickable card (`nhsuk-card--clickable`) holding the pledge's
sentence as the link, its status and moderation tags, theme, campaign and community,
its author as they allow the viewer to know them, how many have signed and when it is
due. Every word a person reads goes through the catalogues, with the msgids the
templates use; every value is escaped. tests/pledges/test_cards.py holds the markup.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from kernel import written
from kernel.components import tag
from kernel.formats import date, intcomma, sentence_html
from kernel.rendering import gettext, ngettext
from members.permissions import hides_identity_from

STATUS_COLOURS = {
    "gathering": "yellow",
    "active": "blue",
    "completed": "green",
    "failed": "red",
    "withdrawn": "grey",
}


def status_tag(pledge) -> Markup:
    return tag(pledge.status_label, STATUS_COLOURS.get(pledge.status, "grey"))


def moderation_tag(item) -> Markup:
    return Markup(_moderation_tag_html(item))  # noqa: S704 # nosec B704 - a tag's own markup


def _moderation_tag_html(item) -> str:
    if item.moderation_status == "pending":
        return tag(gettext("Waiting for approval"), "orange")
    if item.moderation_status == "hidden":
        return tag(gettext("Hidden by a moderator"), "red")
    return ""


def signer_summary(pledge) -> Markup:
    """ "12 people have signed, 3 more needed by 1 May 2027, 2 done"."""
    return Markup(_signer_summary_html(pledge))  # noqa: S704 # nosec B704 - escaped there


def _signer_summary_html(pledge) -> str:
    """`signer_summary` as a plain string of HTML, every value escaped."""
    count = escape(intcomma(pledge.signer_count))
    # The msgids are ours; the count is escaped above, the number is a number.
    text = ngettext(
        "%(count)s person has signed", "%(count)s people have signed", pledge.signer_count
    ) % {"count": f'<span class="radicals-count">{count}</span>', "num": pledge.signer_count}
    if pledge.status == "gathering" and pledge.threshold:
        text += ", " + sentence_html(
            gettext("%(count)s more needed by %(date)s"),
            count=intcomma(pledge.signers_still_needed),
            date=date(pledge.threshold_deadline),
        )
    if pledge.done_count:
        text += ", " + sentence_html(gettext("%(count)s done"), count=intcomma(pledge.done_count))
    return text


def _byline(pledge, viewer) -> str:
    author = pledge.author
    name = author.name_for(viewer)
    if author.organisation_id and not hides_identity_from(member=author, viewer=viewer):
        return sentence_html(
            gettext("By %(name)s, %(organisation)s."),
            name=name,
            organisation=author.organisation.name,
        )
    return sentence_html(gettext("By %(name)s."), name=name)


def pledge_card(pledge, viewer, heading_level: int = 2) -> Markup:
    """One pledge as a card in a list (`<li>`), its sentence a heading of `heading_level`
    linking to the pledge's page. Reads the pledge's author and their organisation,
    theme, campaign and community: select them with the pledges.

    Each part is written as a plain string of HTML, its values escaped as it is
    written, and the card is marked safe once: a Markup for every part cost a wall page
    of twenty cards as much as the parts themselves."""
    heading_level = int(heading_level)
    heading = sentence_html(
        gettext("I will %(title)s"), title=written.own_words(pledge, pledge.title)
    )
    if pledge.threshold and pledge.status == "gathering":
        heading += f" …{escape(pledge.threshold_sentence)}"
    # Plain strings, each escaped once (adding to a Markup would escape them again).
    placed = f"{escape(pledge.theme.local_name)}" if pledge.theme_id else ""
    if pledge.campaign_id:
        placed += f" · {escape(pledge.campaign.name)}"
    if pledge.community_id:
        placed += f" · {escape(pledge.community.name)}"
    due = sentence_html(gettext("Due by %(date)s."), date=date(pledge.due_date))
    # Every value is escaped above, as it was written.
    return Markup(  # noqa: S704 # nosec B704
        '<li class="nhsuk-card nhsuk-card--clickable radicals-pledge-card">\n'
        '  <div class="nhsuk-card__content">\n'
        f'    <h{heading_level} class="nhsuk-card__heading nhsuk-heading-s">\n'
        f'      <a class="nhsuk-card__link" href="{escape(pledge.get_absolute_url())}">'
        f"{heading}</a>\n"
        f"    </h{heading_level}>\n"
        f'    <p class="nhsuk-body-s nhsuk-u-margin-bottom-2">{status_tag(pledge)}'
        f" {_moderation_tag_html(pledge)}\n"
        f'      <span class="radicals-muted">{placed}</span></p>\n'
        f'    <p class="nhsuk-body-s nhsuk-u-margin-bottom-0">{_byline(pledge, viewer)}\n'
        f"      {_signer_summary_html(pledge)}. {due}</p>\n"
        "  </div>\n"
        "</li>"
    )
