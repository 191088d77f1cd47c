"""A page masks its CSRF secret once (radicals.jinja2.csrf_token): every form on it,
the header's "Log out" and `{{ csrf_input }}` alike, carries the same token, Django
is asked once, the token is one Django accepts, and a new secret is masked afresh."""

import re
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import _unmask_cipher_token, get_token, rotate_token
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

from communities.models import Membership
from radicals import jinja2 as radicals_jinja2
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _request():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = {}
    return request


def test_every_form_on_a_page_carries_the_one_token_masked_once():
    request = _request()
    source = "{{ csrf_input }} {{ csrf_input }} {{ csrf_hidden(request) }} [{{ csrf_token }}]"
    with mock.patch.object(radicals_jinja2, "get_token", wraps=get_token) as asked:
        written = engines["jinja2"].from_string(source).render({}, request)

    tokens = TOKEN.findall(written)
    assert len(tokens) == 3 and len(set(tokens)) == 1
    assert written.endswith(f"[{tokens[0]}]")
    assert asked.call_count == 1


def test_a_page_without_a_form_asks_for_no_token():
    request = _request()
    with mock.patch.object(radicals_jinja2, "get_token", wraps=get_token) as asked:
        engines["jinja2"].from_string("<p>No form here.</p>").render({}, request)

    assert asked.call_count == 0
    assert "CSRF_COOKIE" not in request.META


def test_a_new_secret_is_masked_afresh():
    request = _request()
    first = radicals_jinja2.csrf_token(request)
    rotate_token(request)
    second = radicals_jinja2.csrf_token(request)

    assert first != second
    assert _unmask_cipher_token(second) == request.META["CSRF_COOKIE"]
    assert radicals_jinja2.csrf_token(request) == second


def test_the_token_a_page_gives_is_one_django_accepts(alice):
    community = CommunityFactory(joining_policy="open")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(reverse("communities:detail", args=[community.slug]))
    tokens = set(TOKEN.findall(page.content.decode()))

    assert len(tokens) == 1  # the header's "Log out" and the join button share it
    response = client.post(
        reverse("communities:join", args=[community.slug]),
        {"csrfmiddlewaretoken": tokens.pop()},
    )

    assert response.status_code in (200, 302)
    assert Membership.objects.filter(community=community, member=alice, status="active").exists()
