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
from kernel.formats import date, intcomma, sentence
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
    if item.moderation_status == "pending":
        return tag(gettext("Waiting for approval"), "orange")
    if item.moderation_status == "hidden":
        return tag(gettext("Hidden by a moderator"), "red")
    return Markup("")


def signer_summary(pledge) -> Markup:
    """ "12 people have signed, 3 more needed by 1 May 2027, 2 done"."""
    count = escape(intcomma(pledge.signer_count))
    # The count is escaped above.
    count_html = Markup(f'<span class="radicals-count">{count}</span>')  # noqa: S704 # nosec B704
    text = Markup(  # noqa: S704 # nosec B704 - msgids are ours
        ngettext("%(count)s person has signed", "%(count)s people have signed", pledge.signer_count)
    ) % {"count": count_html, "num": pledge.signer_count}
    if pledge.status == "gathering" and pledge.threshold:
        text += ", " + sentence(
            gettext("%(count)s more needed by %(date)s"),
            count=intcomma(pledge.signers_still_needed),
            date=date(pledge.threshold_deadline),
        )
    if pledge.done_count:
        text += ", " + sentence(gettext("%(count)s done"), count=intcomma(pledge.done_count))
    return text


def _byline(pledge, viewer) -> Markup:
    author = pledge.author
    name = author.name_for(viewer)
    if author.organisation_id and not hides_identity_from(member=author, viewer=viewer):
        return sentence(
            gettext("By %(name)s, %(organisation)s."),
            name=name,
            organisation=author.organisation.name,
        )
    return sentence(gettext("By %(name)s."), name=name)


def pledge_card(pledge, viewer, heading_level: int = 2) -> Markup:
    """One pledge as a card in a list (`<li>`), its sentence a heading of `heading_level`
    linking to the pledge's page. Reads the pledge's author and their organisation,
    theme, campaign and community: select them with the pledges."""
    heading_level = int(heading_level)
    heading = sentence(gettext("I will %(title)s"), title=written.own_words(pledge, pledge.title))
    if pledge.threshold and pledge.status == "gathering":
        heading += Markup(" …") + pledge.threshold_sentence
    placed = escape(pledge.theme.local_name if pledge.theme_id else "")
    if pledge.campaign_id:
        placed += " · " + pledge.campaign.name
    if pledge.community_id:
        placed += " · " + pledge.community.name
    due = sentence(gettext("Due by %(date)s."), date=date(pledge.due_date))
    # Every value is escaped above, by Markup's own formatting.
    return Markup(  # noqa: S704 # nosec B704
        '<li class="nhsuk-card nhsuk-card--clickable radicals-pledge-card">\n'
        '  <div class="nhsuk-card__content">\n'
        f'    <h{heading_level} class="nhsuk-card__heading nhsuk-heading-s">\n'
        f'      <a class="nhsuk-card__link" href="{escape(pledge.get_absolute_url())}">'
        f"{heading}</a>\n"
        f"    </h{heading_level}>\n"
        f'    <p class="nhsuk-body-s nhsuk-u-margin-bottom-2">{status_tag(pledge)}'
        f" {moderation_tag(pledge)}\n"
        f'      <span class="radicals-muted">{placed}</span></p>\n'
        f'    <p class="nhsuk-body-s nhsuk-u-margin-bottom-0">{_byline(pledge, viewer)}\n'
        f"      {signer_summary(pledge)}. {due}</p>\n"
        "  </div>\n"
        "</li>"
    )
