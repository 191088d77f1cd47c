"""Traffic shaped like a real day, for `make bench` and `make profile`.

A real day is not fifty members reading the same twenty pages: thousands of members
each read a few pages, a few pledges are read far more than the rest, and the wall is
searched, filtered and paged. So every page figure is driven with:

* members: at least `MIN_MEMBERS` distinct signed-in members, taken in a fixed cycle,
  so no member comes back within `len(members)` requests (and never within 2,000);
* pledges: ids drawn from a Zipf distribution (s = 1.1) over every pledge the public
  may see, with the ranks shuffled over the ids by a fixed seed, so the popular
  pledges are spread over every age and not the newest (or oldest) ones;
* communities: uniformly over all of them;
* the wall's and the API list's query strings: about 30% search (a word from real
  pledge titles, a third of them words no pledge holds), half filter by status, half
  ask for a page between 2 and 50.

Everything here is pure Python and seeded, so a run's requests can be written out in
full before the run, and the tests can check their shape.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import string
from dataclasses import dataclass
from urllib.parse import urlencode

MIN_MEMBERS = 2_000
ZIPF_S = 1.1
SEARCH_SHARE = 0.30
NO_MATCH_SHARE = 1 / 3  # of the searches
STATUS_SHARE = 0.5
DEEP_PAGE_SHARE = 0.5
DEEP_PAGES = (2, 50)
# A search's results stop at page 10 (pledges.selectors.SEARCH_MAX_PAGE); a deeper page
# answers with a short "no more pages" message, so the day's searches page within it.
SEARCH_DEEP_PAGES = (2, 10)
STATUSES = ("gathering", "active", "completed", "failed", "withdrawn")
PAGE_CACHE_HEADER = "X-Radicals-Page-Cache"  # "off": every page cache is skipped

# PostgreSQL's English stop words of four letters or more: searching for one alone
# finds nothing, which the words no pledge holds already measure.
STOPWORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "could",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "from",
        "further",
        "have",
        "having",
        "here",
        "hers",
        "herself",
        "himself",
        "into",
        "itself",
        "just",
        "more",
        "most",
        "myself",
        "once",
        "only",
        "other",
        "ours",
        "ourselves",
        "over",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "until",
        "very",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "whom",
        "will",
        "with",
        "would",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)


class Zipf:
    """Draws from `ids` with P(rank r) ∝ 1 / r**s; the ranks are a seeded shuffle of
    the ids, so popularity has nothing to do with an id's age."""

    def __init__(self, ids: list, *, s: float = ZIPF_S, seed: int = 1):
        if not ids:
            raise ValueError("Zipf needs at least one id.")
        self.ranked = list(ids)
        random.Random(seed).shuffle(self.ranked)
        self.cumulative = list(itertools.accumulate(1 / rank**s for rank in range(1, len(ids) + 1)))

    def draw(self, rng: random.Random):
        point = rng.random() * self.cumulative[-1]
        return self.ranked[bisect.bisect_right(self.cumulative, point)]


def member_cycle(count: int, *, members: int, start: int = 0) -> list[int]:
    """The member (an index into the run's members) of each of `count` requests: a
    fixed cycle through all of them, so a member returns only after every other has
    had a turn. Requests files hold a whole number of cycles, so wrapping around the
    file keeps the spacing."""
    if members < 1:
        raise ValueError("A cycle needs at least one member.")
    return [(start + i) % members for i in range(count)]


def title_words(titles: list[str]) -> list[str]:
    """Words worth searching for, from real titles (repeats kept: common words are
    searched more)."""
    words = []
    for title in titles:
        for word in re.findall(r"[a-z]{4,}", title.lower()):
            if word not in STOPWORDS:
                words.append(word)
    return words


def nonsense_words(count: int, *, seed: int = 3) -> list[str]:
    """Words no pledge holds: letters no English word strings together."""
    rng = random.Random(seed)
    consonants = "bcdfghjklmnpqrstvwxz"
    return ["qx" + "".join(rng.choice(consonants) for _ in range(7)) for _ in range(count)]


@dataclass
class ListQuery:
    """One wall or API list request's query: what it searches, filters and pages."""

    q: str = ""
    status: str = ""
    page: int = 1
    matches_nothing: bool = False

    def query_string(self) -> str:
        params = []
        if self.q:
            params.append(("q", self.q))
        if self.status:
            params.append(("status", self.status))
        if self.page > 1:
            params.append(("page", str(self.page)))
        return "?" + urlencode(params) if params else ""


def list_queries(
    count: int, *, words: list[str], missing: list[str], rng: random.Random
) -> list[ListQuery]:
    """`count` wall queries in the day's mix (see the module's docstring)."""
    if not words or not missing:
        raise ValueError("Searching needs title words and words no pledge holds.")
    queries = []
    for _ in range(count):
        query = ListQuery()
        if rng.random() < SEARCH_SHARE:
            if rng.random() < NO_MATCH_SHARE:
                query.q, query.matches_nothing = rng.choice(missing), True
            else:
                query.q = rng.choice(words)
        if rng.random() < STATUS_SHARE:
            query.status = rng.choice(STATUSES)
        if rng.random() < DEEP_PAGE_SHARE:
            query.page = rng.randint(*(SEARCH_DEEP_PAGES if query.q else DEEP_PAGES))
        queries.append(query)
    return queries


@dataclass(frozen=True)
class Request:
    """One request of a page figure, with its SQL floor's twin (same subject, same
    query string) and its member (None when anonymous)."""

    path: str
    floor_path: str
    member: int | None


def page_requests(
    page: str,
    count: int,
    *,
    signed_in: bool,
    members: int,
    pledges: Zipf,
    communities: list[str],
    words: list[str],
    missing: list[str],
    seed: int,
) -> list[Request]:
    """`count` requests of one page figure: "wall", "api", "pledge", "community" or
    "home"."""
    rng = random.Random(seed)
    who = member_cycle(count, members=members) if signed_in else [None] * count
    if page in ("wall", "api"):
        path = "/pledges/" if page == "wall" else "/api/pledges/"
        floor = "/bench/sql/wall/" if page == "wall" else "/bench/sql/api/pledges/"
        queries = list_queries(count, words=words, missing=missing, rng=rng)
        return [
            Request(path + query.query_string(), floor + query.query_string(), member)
            for query, member in zip(queries, who, strict=True)
        ]
    if page == "pledge":
        ids = [pledges.draw(rng) for _ in range(count)]
        return [
            Request(f"/pledges/{pk}/", f"/bench/sql/pledges/{pk}/", member)
            for pk, member in zip(ids, who, strict=True)
        ]
    if page == "community":
        slugs = [rng.choice(communities) for _ in range(count)]
        return [
            Request(f"/communities/{slug}/", f"/bench/sql/communities/{slug}/", member)
            for slug, member in zip(slugs, who, strict=True)
        ]
    if page == "home":
        return [Request("/", "/bench/sql/home/", member) for member in who]
    raise ValueError(f"No such page: {page!r}.")


def search_and_deep_queries(count: int, *, words: list[str], rng: random.Random) -> list[str]:
    """Query strings that each search a real title word and ask for a page from 2 to
    the last page a search shows: the wall's hardest everyday reads."""
    return [
        "?" + urlencode({"q": rng.choice(words), "page": rng.randint(*SEARCH_DEEP_PAGES)})
        for _ in range(count)
    ]


def co_sign_pairs(
    count: int, *, members: int, pledges: list[int], already: set[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(member index, pledge id) for `count` co-signs, members in the same cycle as the
    pages, each pair new and not one in `already` ((member index, pledge id) signed
    before). A member's successive turns take successive pledges, and neighbouring
    members start far apart in the list, so few co-signs wait on one pledge's lock."""
    if not pledges:
        raise ValueError("Co-signing needs open pledges.")
    stride = max(1, len(pledges) // members) if members < len(pledges) else 1
    turns = [0] * members
    pairs = []
    for member in member_cycle(count, members=members):
        while True:
            turn = turns[member]
            if turn >= len(pledges):
                raise ValueError("Not enough open pledges for every co-sign to be new.")
            turns[member] += 1
            pledge = pledges[(member * stride + turn) % len(pledges)]
            if (member, pledge) not in already:
                break
        pairs.append((member, pledge))
    return pairs


def random_token(rng: random.Random, length: int = 32) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(alphabet) for _ in range(length))
