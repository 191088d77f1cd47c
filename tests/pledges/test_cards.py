"""A pledge's card (pledges/cards.py), as the wall, a community, a campaign, a profile
and "Your pledges" list it."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from pledges.cards import pledge_card, signer_summary
from pledges.models import Pledge
from tests.factories import (
    CampaignFactory,
    CommunityFactory,
    OrganisationFactory,
    PledgeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DUE = datetime.date(2027, 3, 31)
DEADLINE = datetime.date(2027, 1, 15)


def _read(pledge: Pledge) -> Pledge:
    """The pledge as the lists select it."""
    return Pledge.objects.select_related(
        "author", "author__organisation", "theme", "campaign", "community"
    ).get(pk=pledge.pk)


@pytest.fixture
def gathering(theme):
    author = UserFactory(
        display_name="Alice Ahmed",
        organisation=OrganisationFactory(name="Leeds Teaching Hospitals"),
    )
    pledge = PledgeFactory(
        author=author,
        title="walk a mile a day",
        theme=theme,
        campaign=CampaignFactory(name="Bay mile"),
        community=CommunityFactory(name="Ward 4 & friends"),
        status="gathering",
        threshold=5,
        threshold_deadline=DEADLINE,
        due_date=DUE,
        signer_count=3,
    )
    return _read(pledge)


def test_a_card_writes_the_whole_pledge(gathering):
    html = str(pledge_card(gathering, AnonymousUser(), 3))

    assert html == (
        '<li class="nhsuk-card nhsuk-card--clickable radicals-pledge-card">\n'
        '  <div class="nhsuk-card__content">\n'
        '    <h3 class="nhsuk-card__heading nhsuk-heading-s">\n'
        f'      <a class="nhsuk-card__link" href="/pledges/{gathering.pk}/">I will walk a mile'
        " a day …but only if 5 other people will too</a>\n"
        "    </h3>\n"
        '    <p class="nhsuk-body-s nhsuk-u-margin-bottom-2"><strong class="nhsuk-tag'
        ' nhsuk-tag--yellow">\n  Gathering signers\n</strong> \n'
        '      <span class="radicals-muted">Patient experience · Bay mile · Ward 4 &amp;'
        " friends</span></p>\n"
        '    <p class="nhsuk-body-s nhsuk-u-margin-bottom-0">By Alice Ahmed, Leeds Teaching'
        " Hospitals.\n"
        '      <span class="radicals-count">3</span> people have signed, 3 more needed by'
        " 15 January 2027. Due by 31 March 2027.</p>\n"
        "  </div>\n"
        "</li>"
    )


def test_what_people_type_is_escaped(theme):
    author = UserFactory(display_name="<b>Bold</b>", organisation=OrganisationFactory(name="A&B"))
    pledge = _read(PledgeFactory(author=author, title="<script>alert(1)</script>", theme=theme))

    html = str(pledge_card(pledge, AnonymousUser()))

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "By &lt;b&gt;Bold&lt;/b&gt;, A&amp;B." in html
    assert "<h2 " in html


def test_an_author_who_hides_their_name_is_neither_named_nor_placed(theme):
    author = UserFactory(
        display_name="Hidden Hana",
        name_visibility="anonymous",
        organisation=OrganisationFactory(name="Secret Trust"),
    )
    pledge = _read(PledgeFactory(author=author, theme=theme))
    member = UserFactory()

    for viewer in (AnonymousUser(), member):
        html = str(pledge_card(pledge, viewer))
        assert "Hidden Hana" not in html and "Secret Trust" not in html
        assert "By Anonymous supporter." in html
    # The author still sees themselves.
    assert "By Hidden Hana, Secret Trust." in str(pledge_card(pledge, author))


def test_members_only_names_show_to_members_alone(theme):
    author = UserFactory(display_name="Members Mo", name_visibility="members")
    pledge = _read(PledgeFactory(author=author, theme=theme))

    assert "Members Mo" not in str(pledge_card(pledge, AnonymousUser()))
    assert "By Members Mo." in str(pledge_card(pledge, UserFactory()))


def test_moderation_and_progress_show_on_the_card(theme):
    pending = _read(PledgeFactory(theme=theme, moderation_status="pending"))
    hidden = _read(PledgeFactory(theme=theme, moderation_status="hidden", done_count=1200))

    assert "Waiting for approval" in str(pledge_card(pending, pending.author))
    html = str(pledge_card(hidden, hidden.author))
    assert "nhsuk-tag--red" in html and "Hidden by a moderator" in html
    assert "1,200 done" in html
    assert "more needed" not in html


def test_a_pledge_in_another_language_is_marked_as_such(theme):
    pledge = _read(PledgeFactory(theme=theme, title="cerdded milltir", language="cy"))

    html = str(pledge_card(pledge, AnonymousUser()))

    assert 'I will <span lang="cy">cerdded milltir</span>' in html


def test_one_signer_reads_in_the_singular(theme):
    pledge = _read(PledgeFactory(theme=theme, signer_count=1))

    assert str(signer_summary(pledge)) == '<span class="radicals-count">1</span> person has signed'


def test_every_word_on_a_card_is_translated(gathering, pseudo_welsh):
    with translation.override("cy"):
        html = str(pledge_card(gathering, AnonymousUser()))

    # On a Welsh page, the pledge's English words are marked as English.
    assert '⟦I will <span lang="en-gb">walk a mile a day</span>⟧ …⟦but only if 5 other' in html
    assert "⟦Gathering signers⟧" in html
    assert "⟦By Alice Ahmed, Leeds Teaching Hospitals.⟧" in html
    assert '⟦<span class="radicals-count">3</span> people have signed⟧' in html
    assert "⟦3 more needed by" in html and "⟦Due by" in html


def test_a_card_reads_nothing_more_than_its_pledge(gathering, django_assert_num_queries):
    with django_assert_num_queries(0):
        pledge_card(gathering, AnonymousUser())


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_a_status_reads_as_its_choice_and_an_unknown_one_as_itself(language):
    with translation.override(language):
        for value, label in Pledge.Status.choices:
            assert str(Pledge(status=value).status_label) == str(label)
            assert (
                str(Pledge(status=value).status_label) == Pledge(status=value).get_status_display()
            )
        assert Pledge(status="paused").status_label == "paused"
