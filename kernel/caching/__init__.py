"""Every cache in Radicals, and the one contract they keep.

Nothing else in the product caches: an app that needs a cache adds it here, with its
row in the table below, and imports it from `kernel.caching`.

Backend
    Django's cache, `radicals.cache.RedisCache` (settings.CACHES["default"]), under the
    key prefix CACHE_KEY_PREFIX.

Keys
    `<layer>:<name>:<digest>`, the digest over the language
    (`django.utils.translation.get_language()`) and everything the value varies on,
    normalised (kernel.caching.keys).
    Subject generations hold no content, so one generation serves every language.

==================  ======================================  =======================================  ===================================  =============================================  ===========================================
cache               holds                                   key (besides the language)               lifetime                             dropped by                                     served to
==================  ======================================  =======================================  ===================================  =============================================  ===========================================
anonymous page      a whole rendered page (200, no cookie   page name, host, path, the query         ANONYMOUS_PURGED_PAGE_CACHE_SECONDS  a new generation of a subject it shows          visitors with no session, messages cookie
(pages.py)          set, no CSRF token, no `private`):      parameters the page knows (sorted,       (300 s) for a page that names its    (`changed`); the lifetime for all else           or Authorization header, on GET, for the
                    only the pages in `pages.PAGES`:        values ≤ 64 characters; others left      subjects, else                       (rolled-up totals); a copy past its time is     same key. A copy is marked
                    home, a community                       out, and nothing stored from such a      ANONYMOUS_PAGE_CACHE_SECONDS (5 s);  served ≤ 30 s more while one request renews   `Cache-Control: public, max-age=<5 s>`,
                                                            request), htmx request/boosted flags     0 switches it off                    it                                               `Vary: Cookie, Accept-Language`; every
                                                            (a request with `ref`, an htmx target                                                                                         signed-in page or page holding a CSRF token
                                                            or trigger is never served a copy)                                                                                            is `Cache-Control: private`
subject generation  a random token per subject:             `generation:community:<id>`,             24 h                                 `changed(*subjects)`, written after the        read by the anonymous page cache only
(subjects.py)       `community:<id>`, `people` (members'    `generation:people`                                                           transaction commits, whichever layers are on
                    names); only those a kept page reads
data (data.py)      a value worked out by a query, named    data name (`data.DATA`) and `vary`       `data.DATA[name]`: filter choices    its lifetime; themes and campaigns also by     code, never a page as such: only values
                    in `data.DATA`: wall filter choices,                                             120 s, modules 300 s, themes and     saving or deleting one (now and after the      that are the same for everyone
                    modules available, every theme's and                                             campaigns 300 s                      commit), and by a pledge whose theme or
                    campaign's row (put on pledges the                                                                                    campaign the copy does not hold
                    ORM reads: pledges.lookups)
==================  ======================================  =======================================  ===================================  =============================================  ===========================================

Who calls what
    * Views of the cached pages call `page_shows(request, *subjects)` before reading
      anything; nothing else is needed for a page in `pages.PAGES`.
    * Every service in pledges, stories and communities that changes what a cached page
      shows (a pledge and its signatures, a story, its co-authors, reactions and
      comments, a community, a membership, a moderation decision) calls
      `changed(*subjects)` itself, raw SQL and `update()` included; no signal does it
      for them. The admin's direct edits of stories and communities do the same.
      Members' name changes (profile, erasure) call `changed(PEOPLE)`. A pledge's own
      page, with its check-ins and thanks, is never copied, so nothing names it.
    * A moderated type names the pages that show an item (`register_moderated(…,
      pages_of=…)`), so the moderation services drop them without knowing the app.
    * pledges and reports read their data through `cached_value(name, compute, vary=…)`.

Benchmarks and statistics
    * With settings.BENCHMARK_VIEWS on, a request with the header
      `X-Radicals-Page-Cache: off` reads and writes no anonymous page copy while it is
      answered (kernel.caching.switch).
    * With settings.CACHE_STATS on, each layer ("anonymous-page", "data")
      counts hits and misses; `stats.snapshot()` and `stats.reset()`
      (kernel.caching.stats).

Layers that did not pay, and went
    A layer stays only while the benchmark under a day's traffic (docs/benchmarks.md)
    shows it gives at least 1.5× on its page. Gone for that reason: the per-member page
    copies, the pages shared by members with holes for each one, cached fragments, the
    in-process template memo (0.93–1.20× on the pages that used it; the pieces it kept,
    the header, footer, skip link and cards, are written in Python instead, cheaper than
    its key), and the anonymous copy of a pledge's page with its `pledge:<id>` subject
    (1.78×, 1.47×, 1.47× and 1.40× in the last four runs: the page itself became cheaper
    to render, so its copy gave less).

Not caches
    Markers kept in the same Redis with a lifetime, which say that something was done
    rather than remember a value: a digest already sent (notifications.tasks). (A
    co-sign leaves its author's notice due as a database row, pledges.CoSignersNoticeDue,
    which the beat sweep takes.) Nor are the
    values a request keeps on its own objects while it lasts (a member's community ids
    and unread count on the user, the latter dropped when they mark notifications read;
    the page's one masked CSRF token on the request, radicals.jinja2.csrf_token) or the
    header's reversed links per URL configuration (radicals.context_processors), which
    hold nothing that changes while a process runs.
    Nor are the reads kernel.prepared prepares on each database connection: PostgreSQL
    keeps their plans, never their rows, so nothing they answer can be out of date. Nor
    are the answers each language's message catalogue keeps once it has looked them up
    (kernel.i18n.remember_answers), nor a render's answers to its lazy words (a choice's
    label, a month's name: kernel.rendering.word): the catalogues are read from files
    when the process starts and do not change while it runs.
"""

from kernel.caching import stats
from kernel.caching.data import DATA, cached_value, forget_value
from kernel.caching.pages import PAGES, AnonymousPageCacheMiddleware
from kernel.caching.subjects import PEOPLE, changed, community, page_shows

__all__ = [
    "DATA",
    "PAGES",
    "PEOPLE",
    "AnonymousPageCacheMiddleware",
    "cached_value",
    "changed",
    "community",
    "forget_value",
    "page_shows",
    "stats",
]
