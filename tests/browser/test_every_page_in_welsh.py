"""Every page of the platform, in Welsh, passes axe-core.

The pages are the access matrix's: every web address a GET row names (the platform's
matrix and the communities app's), each opened by the first of Alice (a member), Olivia
(the organiser), Ada (the admin) or a visitor who may see it, with Cymraeg chosen.
A page that answers with a file (CSV, PDF) is not a page a screen reader reads and is
left to its own tests; an embed card has no NHS header of its own (it sits inside another
site's page), so it is held to axe-core alone. Each page must say it is in Welsh
(`<html lang="cy">`) and pass the checks every journey runs (axe-core, the NHS.UK
layout, the CSP, no script errors).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from communities.services import community_request
from tests.browser import support
from tests.browser.support import expect
from tests.communities import test_permissions as communities_matrix
from tests.factories import MembershipFactory
from tests.security import test_access_matrix as matrix
from tests.security.access_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Who opens a page: the first of these the matrix lets in (index into ACTORS / ROLES,
# which put anonymous, member, …, organiser, …, admin at the same places).
PREFERENCE = [(1, "member"), (3, "organiser"), (5, "admin"), (0, "anonymous")]


def _communities_args(world, extra) -> dict:
    """The communities matrix's addresses, built on the platform matrix's world."""
    pledge_key = ["pledges.pledge", world.pledge.pk]
    slug = [world.community.slug]
    return {
        "communities:decide_community": [extra["requested"].slug],
        "communities:moderate": pledge_key,
        "communities:flag": pledge_key,
        "communities:invitation": [world.invitation.token],
        "communities:flag_member": [world.community.slug, world.bob.pk],
        "communities:manage_member": [world.community.slug, world.bob.pk],
        "communities:decide_request": [world.community.slug, extra["request"].pk],
        "communities:invitation_revoke": [world.community.slug, world.invitation.pk],
        **{row.name: slug for row in communities_matrix.WEB if row.args is communities_matrix.slug},
    }


def _pages(world) -> list[tuple[str, str]]:
    """(address, who opens it) for every page a GET row of either matrix names."""
    extra = {
        "requested": community_request(requester=world.charlie, name="Sussex Kindness"),
        "request": MembershipFactory(
            community=world.community, member=world.charlie, status="pending"
        ),
    }
    community_args = _communities_args(world, extra)
    pages = []
    for row in [*matrix.WEB, *communities_matrix.WEB]:
        if row.method != "get":
            continue
        actor = next((name for index, name in PREFERENCE if row.expected[index] == 200), None)
        if actor is None:
            continue
        if row.name in matrix.KWARGS:
            address = reverse(row.name, kwargs=matrix.KWARGS[row.name](world))
        elif row.name in community_args:
            address = reverse(row.name, args=community_args[row.name])
        else:
            address = reverse(row.name)
        pages.append((address, actor))
    return pages


def _html_in_welsh(address: str, person) -> bool:
    """Whether the address answers this person with an HTML page (not a file)."""
    client = Client()
    if person is not None:
        client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    response = client.get(address)
    return response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_every_page_in_welsh_passes_axe(web, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    world = build_world()
    people = world.people
    pages = [
        (address, actor)
        for address, actor in _pages(world)
        if _html_in_welsh(address, people[actor])
    ]
    assert len(pages) > 50, f"Only {len(pages)} pages were found to check"
    browsers = {}
    for address, actor in pages:
        if actor not in browsers:
            page = web.new_page(user=people[actor])
            page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "cy", "url": web.url}]
            )
            browsers[actor] = page
        page = browsers[actor]
        step = f"{address} in Welsh, as {actor}"
        if address.startswith("/embed/"):
            # A card for other sites' pages: no NHS header of its own, so axe alone.
            page.goto(address)
            assert support.axe_violations(page) == [], step
            web.log_of(page).checked.add(page.url)
        else:
            web.goto(page, address, step)
        expect(page.locator("html")).to_have_attribute("lang", "cy")
