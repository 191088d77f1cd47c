"""Anonymous visitors' pages come from the cache for a few seconds; nobody else's do."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from radicals.middleware import AnonymousPageCacheMiddleware


class CountingView:
    """A page whose body says how many times it was rendered."""

    def __init__(self, **response_options):
        self.calls = 0
        self.options = response_options

    def __call__(self, request):
        self.calls += 1
        response = HttpResponse(f"render {self.calls}", status=self.options.get("status", 200))
        if self.options.get("cookie"):
            response.set_cookie("csrftoken", "a-new-token")
        if self.options.get("cache_control"):
            response["Cache-Control"] = self.options["cache_control"]
        if self.options.get("vary"):
            response["Vary"] = self.options["vary"]
        return response


@pytest.fixture
def page_cache(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60
    return settings


def _get(middleware, path="/pledges/", **extra):
    request = RequestFactory().get(path, **extra)
    return middleware(request).content.decode()


def test_an_anonymous_visitor_gets_the_page_rendered_for_the_one_before(page_cache):
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)

    assert _get(middleware) == "render 1"
    assert _get(middleware) == "render 1"
    assert view.calls == 1


def test_each_address_and_htmx_target_is_its_own_page(page_cache):
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)

    _get(middleware, "/pledges/")
    _get(middleware, "/pledges/?page=2")
    _get(middleware, "/pledges/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pledge-results")

    assert view.calls == 3


@pytest.mark.parametrize(
    "cookies",
    [{"sessionid": "a-session"}, {"messages": "a-flash-message"}],
)
def test_a_visitor_with_a_session_or_messages_always_gets_a_fresh_page(page_cache, cookies):
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)
    _get(middleware)

    request = RequestFactory().get("/pledges/")
    request.COOKIES.update(cookies)

    assert middleware(request).content.decode() == "render 2"


def test_an_api_client_with_a_token_always_gets_a_fresh_answer(page_cache):
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)
    _get(middleware, "/api/pledges/")

    assert _get(middleware, "/api/pledges/", HTTP_AUTHORIZATION="Token abc") == "render 2"


@pytest.mark.parametrize(
    "options",
    [
        {"cookie": True},
        {"status": 404},
        {"cache_control": "no-cache, no-store, must-revalidate"},
        {"cache_control": "private"},
        {"vary": "User-Agent"},
    ],
)
def test_a_page_that_sets_a_cookie_or_must_not_be_cached_is_never_stored(page_cache, options):
    view = CountingView(**options)
    middleware = AnonymousPageCacheMiddleware(view)

    _get(middleware)
    _get(middleware)

    assert view.calls == 2


def test_a_page_rendered_for_a_visitor_with_a_csrf_cookie_is_not_stored(page_cache):
    """It may hold a form token made from that visitor's secret."""
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)
    request = RequestFactory().get("/pledges/")
    request.COOKIES["csrftoken"] = "the-visitors-secret"
    middleware(request)

    assert _get(middleware) == "render 2"


def test_posts_are_never_cached(page_cache):
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)

    middleware(RequestFactory().post("/pledges/1/sign/"))
    middleware(RequestFactory().post("/pledges/1/sign/"))

    assert view.calls == 2


def test_it_is_off_when_the_setting_is_zero(settings):
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 0
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)

    _get(middleware)
    _get(middleware)

    assert view.calls == 2


def test_an_expired_page_is_rendered_again_by_one_visitor_while_others_get_the_copy(
    page_cache, monkeypatch
):
    view = CountingView()
    middleware = AnonymousPageCacheMiddleware(view)
    _get(middleware)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)

    assert _get(middleware) == "render 2"  # the first visitor after expiry renders it

    middleware_while_renewing = AnonymousPageCacheMiddleware(CountingView())
    cache.set(middleware._key(RequestFactory().get("/pledges/")), (later - 1, _stale(), {}), 60)
    cache.add(middleware._key(RequestFactory().get("/pledges/")) + ":renewing", 1, 10)

    assert _get(middleware_while_renewing) == "the copy"


def _stale():
    return HttpResponse("the copy")
