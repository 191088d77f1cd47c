"""Who may use every URL of the platform, on the web and in the API.

One row per (URL name, method): the status each of six people gets, in ACTORS order —
anonymous, member (Alice, who wrote the content), outsider (Charlie, in no community
involved), organiser (Olivia, of the community involved), other organiser (Oscar, of
another community) and admin (see tests/security/access_world.py).

Pages are fetched with GET. Forms and actions are posted with data that would succeed
for someone allowed, so a refusal is a real refusal: 302 to the login page, 403 or 404
(400 where a service refuses on the state of things, like "sign the pledge first").
Around every request PostgreSQL's per-table write counters are read: a person not
listed in the row's `acts` must leave the database exactly as it was, whatever the
status. The first person who may act is also sent the same request with nothing filled
in, and must get the form or field errors back (200 or 400) with nothing changed.

The communities app keeps its own matrix for its URLs (tests/communities/
test_permissions.py, run there); its rows are imported here so that every URL of the
platform is in exactly one matrix, and the last tests fail when a URL has no row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pledges import check_in_links
from tests.communities import test_permissions as communities_matrix
from tests.security.access_world import ACTORS, SESSIONS, World, fingerprint, in_savepoint

pytestmark = pytest.mark.django_db

# URLs this matrix leaves out, and why. Everything else must have rows.
EXCLUDED_NAMESPACES = {
    "admin": "Django admin's own pages: staff-only by Django's admin site, which signs in "
    "through the member login (tests/security/test_accounts.py::test_the_admin_*).",
}
EXCLUDED_PREFIXES = {
    "accounts/": "allauth's sign-up, login, password and email pages: for everyone by design "
    "(tests/security/test_accounts.py and tests/members/test_accounts.py cover them).",
    "media/": "Uploaded files, served by the web server in production; Django serves them "
    "only with DEBUG on (and never members' exports, which have their own view).",
    "static/": "Static files (WhiteNoise).",
    "bench/": "Benchmark reference views, mounted only when BENCHMARK_VIEWS is on for "
    "`make bench`, never in production.",
}
EXCLUDED_NAMES = {
    "nhsuk-asset": "NHS.UK frontend assets (fonts, icons) for everyone, like static files.",
}


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, namespace, pattern


def _is_excluded(route: str, namespace: str | None, name: str | None) -> bool:
    route = route.lstrip("^")
    return (
        (namespace or "").split(":")[0] in EXCLUDED_NAMESPACES
        or any(route.startswith(prefix) for prefix in EXCLUDED_PREFIXES)
        or name in EXCLUDED_NAMES
    )


def all_named_patterns() -> dict[str, URLPattern]:
    """Every URL of the web and the API (walked from the root resolver) this matrix covers."""
    found = {}
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        full_name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
        if _is_excluded(route, namespace, full_name):
            continue
        found[full_name or route] = pattern
    return found


KWARGS: dict[str, Callable[[World], dict]] = {}


def _pk(attribute: str) -> Callable[[World], dict]:
    return lambda w: {"pk": getattr(w, attribute).pk}


def _slug(attribute: str) -> Callable[[World], dict]:
    return lambda w: {"slug": getattr(w, attribute).slug}


KWARGS.update(
    {
        "set-language": lambda w: {"code": "cy"},
        # members
        "members:profile": lambda w: {"pk": w.alice.pk},
        "members:edit_profile": lambda w: {"pk": w.alice.pk},
        "members:data_export": lambda w: {"token": w.data_export.token},
        "api:member-detail": lambda w: {"pk": w.alice.pk},
        # pledges
        "pledges:campaign": _slug("campaign"),
        **{
            f"pledges:{name}": _pk("pledge")
            for name in ("detail", "edit", "sign", "unsign", "check_in", "done", "withdraw")
        },
        "pledges:thank_check_in": _pk("check_in"),
        "pledges:thank_commitment": lambda w: {
            "pk": w.pledge.signatures.get(member=w.bob).pk  # Bob's, not marked done
        },
        "pledges:check_in_link": lambda w: {
            "token": check_in_links.make_token(member=w.alice, pledge=w.pledge)
        },
        "api:campaign-detail": _slug("campaign"),
        **{
            f"api:pledge-{name}": _pk("pledge")
            for name in ("detail", "withdraw", "sign", "unsign", "signers", "check-ins", "done")
        },
        # stories
        "stories:co_author_respond": _pk("story"),
        "stories:comment_edit": _pk("comment"),
        "stories:flag": lambda w: {"kind": "comment", "pk": w.comment.pk},
        "stories:moderate": lambda w: {"kind": "comment", "pk": w.comment.pk, "action": "hide"},
        **{
            f"stories:{name}": _slug("story")
            for name in (
                "detail",
                "print",
                "edit",
                "publish",
                "withdraw",
                "delete",
                "review",
                "feature",
                "co_authors",
                "react",
                "comment_create",
            )
        },
        "stories:co_author_remove": lambda w: {"slug": w.story.slug, "member_id": w.bob.pk},
        **{
            f"api:story-{name}": _pk("story")
            for name in (
                "detail",
                "publish",
                "withdraw",
                "review",
                "feature",
                "co-authors",
                "invitation-answer",
                "reactions",
                "comments",
                "flag",
            )
        },
        "api:story-co-author": lambda w: {"pk": w.story.pk, "member_id": w.bob.pk},
        "api:story-comment": _pk("comment"),
        "api:story-comment-flag": _pk("comment"),
        # learning
        "learning:verify_code": lambda w: {"code": w.certificate.code},
        "learning:certificate": _pk("certificate"),
        "learning:certificate_pdf": _pk("certificate"),
        "learning:attempt": _pk("attempt"),
        "learning:community_progress": _slug("community"),
        "learning:community_progress_csv": _slug("community"),
        **{f"learning:{name}": _slug("module") for name in ("module", "enrol", "quiz")},
        "learning:lesson": lambda w: {"slug": w.module.slug, "lesson_slug": w.lesson.slug},
        "learning:lesson_complete": lambda w: {
            "slug": w.module.slug,
            "lesson_slug": w.lesson.slug,
        },
        **{f"api:learning-{name}": _slug("module") for name in ("module", "questions", "attempts")},
        "api:learning-lesson": _pk("lesson"),
        "api:learning-lesson-progress": _pk("lesson"),
        "api:learning-enrolment": _pk("enrolment"),
        "api:learning-attempt": _pk("attempt"),
        "api:learning-verify": lambda w: {"code": w.certificate.code},
        "api:learning-community-progress": _slug("community"),
        # notifications
        "notifications:open": _pk("notification"),
        "notifications:mark_read": _pk("notification"),
        "notifications:unsubscribe": lambda w: {"token": w.unsubscribe_token},
        "api:notification-read": _pk("notification"),
        # reports
        "reports:community_dashboard": _slug("community"),
        "reports:community_network": _slug("community"),
        "reports:export": lambda w: {"pk": w.extra["export"].pk},
        "reports:export_download": lambda w: {"pk": w.extra["export"].pk},
        "reports:subscription_delete": lambda w: {"pk": w.extra["subscription"].pk},
        "api:report-member-badges": lambda w: {"pk": w.alice.pk},
        "api:report-export": lambda w: {"pk": w.extra["export"].pk},
        "api:report-export-download": lambda w: {"pk": w.extra["export"].pk},
        "api:report-subscription": lambda w: {"pk": w.extra["subscription"].pk},
        "reports:spc_csv": lambda w: {
            "scope": "community",
            "scope_id": w.community.pk,
            "measure": "co_signs",
        },
        "reports:spc_rebase": lambda w: {"scope": "community", "scope_id": w.community.pk},
        "reports:spc_baseline_delete": lambda w: {"pk": w.extra["spc_baseline"].pk},
        "api:report-spc-baseline": lambda w: {"pk": w.extra["spc_baseline"].pk},
        "reports:open_data_resource": lambda w: {"dimension": "platform"},
        "embed_pledge": _pk("pledge"),
        "embed_campaign": _slug("campaign"),
    }
)


# --- The rows ------------------------------------------------------------------------------

READY = (200, 503)  # public (no READINESS_TOKEN) in fixed words: 503 says a dependency is down


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expected: tuple  # one status (or a tuple of allowed statuses) per actor, in ACTORS order
    data: object = None  # callable(world) -> dict, for posts, patches and deletes
    acts: tuple = ()  # actors whose request may change the database; for the rest it must not


R = Row
MEMBER, OUTSIDER, ORGANISER, OTHER, ADMIN = (
    "member",
    "outsider",
    "organiser",
    "other_organiser",
    "admin",
)
LOGGED_IN = (MEMBER, OUTSIDER, ORGANISER, OTHER, ADMIN)
PUBLIC = (200, 200, 200, 200, 200, 200)
SIGNED_IN_PAGE = (302, 200, 200, 200, 200, 200)
API_PUBLIC = PUBLIC
API_SIGNED_IN = (403, 200, 200, 200, 200, 200)


def _rebase(w):
    return {"measure": "all", "starts_on": (timezone.localdate() - timedelta(days=7)).isoformat()}


def _api_rebase(w):
    return {"scope": "community", "scope_id": w.community.pk, **_rebase(w)}


def _profile(w):
    return {
        "display_name": "Renamed",
        "organisation": "",
        "job_role": "Nurse",
        "region": "",
        "bio": "",
        "name_visibility": "public",
    }


def _story_fields(w):
    return {
        "title": "Walking a mile a day, told again",
        "summary": "Twelve of us walked.",
        "body": "We met at the lifeboat station.",
        "outcome": "",
        "tags": "",
        "community": w.community.slug,
    }


#        anonymous, member, outsider, organiser, other organiser, admin
WEB = [
    R("home", "get", PUBLIC),
    R("accessibility", "get", PUBLIC),
    R("healthz", "get", (200,) * 6),
    R("readyz", "get", (READY,) * 6),
    # The language switch: a cookie for everyone, and the profile of a signed-in member.
    R("set-language", "get", (302,) * 6, acts=("anonymous", *LOGGED_IN)),
    R("set-language", "post", (405,) * 6),
    # --- members
    R("members:profile", "get", PUBLIC),
    R("members:edit_profile", "get", (302, 200, 403, 403, 403, 200)),
    R("members:edit_profile", "post", (302, 302, 403, 403, 403, 302), _profile, (MEMBER, ADMIN)),
    R("members:api_token_reset", "get", (302, 405, 405, 405, 405, 405)),
    R("members:api_token_reset", "post", (302, 302, 302, 302, 302, 302), acts=LOGGED_IN),
    R("members:data_export_request", "get", (302, 405, 405, 405, 405, 405)),
    R("members:data_export_request", "post", (302, 302, 302, 302, 302, 302), acts=LOGGED_IN),
    R("members:data_export", "get", (302, 200, 404, 404, 404, 404)),
    R("members:account_delete", "get", SIGNED_IN_PAGE),
    R(
        "members:account_delete",
        "post",
        (302, 200, 200, 200, 200, 200),  # a wrong password: the form again, nothing erased
        lambda w: {"password": "not-the-password"},
    ),
    # --- pledges
    R("pledges:wall", "get", PUBLIC),
    R("pledges:create", "get", SIGNED_IN_PAGE),
    R("pledges:create", "post", (302, 200, 200, 200, 200, 200)),  # empty: form errors
    R("pledges:mine", "get", SIGNED_IN_PAGE),
    R("pledges:campaigns", "get", PUBLIC),
    R("pledges:campaign", "get", PUBLIC),
    R("pledges:detail", "get", PUBLIC),
    R("pledges:edit", "get", (302, 200, 403, 403, 403, 200)),
    R(
        "pledges:edit",
        "post",
        (302, 302, 403, 403, 403, 302),
        lambda w: {
            "title": "ask every patient what matters most",
            "theme": w.theme.pk,
            "due_date": w.pledge.due_date.isoformat(),
        },
        (MEMBER, ADMIN),
    ),
    R("pledges:sign", "get", (405, 405, 405, 405, 405, 405)),
    # Only members of the pledge's community may sign it; Alice signed it when she made it.
    R("pledges:sign", "post", (302, 302, 302, 302, 302, 302), acts=(ORGANISER,)),
    R("pledges:unsign", "get", (405, 405, 405, 405, 405, 405)),
    R("pledges:unsign", "post", (302, 302, 302, 302, 302, 302)),  # the author cannot
    # Anyone may open the forms; only signers' check-ins and "done" are accepted.
    R("pledges:check_in", "get", SIGNED_IN_PAGE),
    R(
        "pledges:check_in",
        "post",
        (302, 302, 200, 200, 200, 200),
        lambda w: {"note": "Asked ten more patients."},
        (MEMBER,),
    ),
    R("pledges:done", "get", SIGNED_IN_PAGE),
    R(
        "pledges:done",
        "post",
        (302, 302, 200, 200, 200, 200),
        lambda w: {"outcome": "Every patient asked."},
        (MEMBER,),
    ),
    # Thanks for Alice's check-in: anyone signed in who can see it, except Alice herself.
    R("pledges:thank_check_in", "get", SIGNED_IN_PAGE),
    R(
        "pledges:thank_check_in",
        "post",
        (302, 400, 302, 302, 302, 302),
        acts=(OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("pledges:thank_commitment", "get", SIGNED_IN_PAGE),
    # Bob has not marked his commitment done: nothing to thank him for yet.
    R("pledges:thank_commitment", "post", (302, 400, 400, 400, 400, 400)),
    # Alice's one-tap check-in link is the credential, whoever holds it.
    R("pledges:check_in_link", "get", PUBLIC),
    R(
        "pledges:check_in_link",
        "post",
        PUBLIC,
        lambda w: {"note": "Asked ten more patients."},
        ("anonymous", *LOGGED_IN),
    ),
    R("pledges:withdraw", "get", (302, 200, 403, 403, 403, 200)),
    R("pledges:withdraw", "post", (302, 302, 403, 403, 403, 302), acts=(MEMBER, ADMIN)),
    # --- stories
    R("stories:feed", "get", PUBLIC),
    R("stories:create", "get", SIGNED_IN_PAGE),
    R("stories:create", "post", (302, 200, 200, 200, 200, 200)),  # empty: form errors
    R("stories:mine", "get", SIGNED_IN_PAGE),
    R("stories:review_queue", "get", SIGNED_IN_PAGE),  # lists only what each may review
    R("stories:detail", "get", PUBLIC),
    R("stories:print", "get", PUBLIC),
    R("stories:edit", "get", (302, 200, 403, 403, 403, 403)),
    R("stories:edit", "post", (302, 302, 403, 403, 403, 403), _story_fields, (MEMBER,)),
    R("stories:publish", "get", (302, 405, 405, 405, 405, 405)),
    R("stories:publish", "post", (302, 302, 403, 403, 403, 403)),  # already published
    R("stories:withdraw", "get", (302, 405, 405, 405, 405, 405)),
    R("stories:withdraw", "post", (302, 302, 403, 403, 403, 403), acts=(MEMBER,)),
    R("stories:delete", "get", (302, 200, 403, 403, 403, 403)),
    R("stories:delete", "post", (302, 302, 403, 403, 403, 403), acts=(MEMBER,)),
    R("stories:review", "get", (302, 403, 403, 200, 403, 200)),
    R(
        "stories:review",
        "post",
        (302, 403, 403, 200, 403, 200),  # published already: nothing to decide
        lambda w: {"decision": "return", "note": "Please add the outcome."},
    ),
    R("stories:feature", "get", (302, 405, 405, 405, 405, 405)),
    R("stories:feature", "post", (302, 403, 403, 302, 403, 302), acts=(ORGANISER, ADMIN)),
    R("stories:co_authors", "get", (302, 200, 403, 403, 403, 403)),
    R(
        "stories:co_authors",
        "post",
        (302, 302, 403, 403, 403, 403),
        lambda w: {"email": w.charlie.email},
        (MEMBER,),
    ),
    R("stories:co_author_remove", "get", (302, 405, 405, 405, 405, 405)),
    R("stories:co_author_remove", "post", (302, 302, 403, 403, 403, 403), acts=(MEMBER,)),
    # Bob's invitation, answered already: nobody else can answer it.
    R("stories:co_author_respond", "get", (302, 405, 405, 405, 405, 405)),
    R(
        "stories:co_author_respond",
        "post",
        (302, 302, 302, 302, 302, 302),
        lambda w: {"answer": "accept"},
    ),
    R("stories:react", "get", (302, 405, 405, 405, 405, 405)),
    R(
        "stories:react",
        "post",
        (302, 302, 302, 302, 302, 302),  # not the author's own story
        acts=(OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("stories:comment_create", "get", (302, 405, 405, 405, 405, 405)),
    R(
        "stories:comment_create",
        "post",
        (302, 302, 403, 302, 403, 403),  # the community's members only
        lambda w: {"body": "Lovely."},
        (MEMBER, ORGANISER),
    ),
    R("stories:comment_edit", "get", (302, 200, 403, 403, 403, 403)),
    R(
        "stories:comment_edit",
        "post",
        (302, 302, 403, 403, 403, 403),
        lambda w: {"body": "Thank you, all walkers!"},
        (MEMBER,),
    ),
    R("stories:flag", "get", SIGNED_IN_PAGE),
    R(
        "stories:flag",
        "post",
        (302, 200, 302, 302, 302, 302),  # not one's own comment
        lambda w: {"reason": "It is unkind."},
        (OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("stories:moderate", "get", (302, 403, 403, 200, 403, 200)),
    R(
        "stories:moderate",
        "post",
        (302, 403, 403, 302, 403, 302),
        lambda w: {"reason": "Names a patient."},
        (ORGANISER, ADMIN),
    ),
    # --- learning
    R("learning:catalogue", "get", PUBLIC),
    R("learning:my_learning", "get", SIGNED_IN_PAGE),
    R("learning:verify", "get", PUBLIC),
    R("learning:verify_code", "get", PUBLIC),  # certificates are public to check
    R("learning:certificate", "get", (302, 200, 404, 404, 404, 200)),
    R("learning:certificate_pdf", "get", (302, 200, 404, 404, 404, 200)),
    R("learning:attempt", "get", (302, 200, 404, 404, 404, 200)),
    R("learning:community_progress", "get", (302, 403, 403, 200, 403, 200)),
    R("learning:community_progress_csv", "get", (302, 403, 403, 200, 403, 200)),
    R("learning:module", "get", PUBLIC),
    R("learning:enrol", "get", (302, 405, 405, 405, 405, 405)),
    R(
        "learning:enrol",
        "post",
        (302, 302, 302, 302, 302, 302),
        lambda w: {"cohort": "self"},
        (OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    # Lessons and the quiz are for those enrolled (admins may read lessons); others are
    # sent to the module page to enrol.
    R("learning:lesson", "get", (302, 200, 302, 302, 302, 200), acts=(MEMBER,)),  # resume point
    R("learning:lesson_complete", "get", (302, 405, 405, 405, 405, 405)),
    R("learning:lesson_complete", "post", (302, 302, 302, 302, 302, 302)),
    R("learning:quiz", "get", (302, 200, 302, 302, 302, 302)),
    R("learning:quiz", "post", (302, 200, 302, 302, 302, 302)),  # empty: the quiz again
    # --- notifications
    R("notifications:list", "get", SIGNED_IN_PAGE),
    R("notifications:open", "get", (302, 302, 404, 404, 404, 404), acts=(MEMBER,)),
    R("notifications:mark_read", "get", (302, 405, 405, 405, 405, 405)),
    R("notifications:mark_read", "post", (302, 302, 404, 404, 404, 404), acts=(MEMBER,)),
    R("notifications:mark_all_read", "get", (302, 405, 405, 405, 405, 405)),
    R("notifications:mark_all_read", "post", (302, 302, 302, 302, 302, 302), acts=(MEMBER,)),
    R("notifications:preferences", "get", SIGNED_IN_PAGE),
    R("notifications:preferences", "post", (302, 200, 200, 200, 200, 200)),  # empty
    # The link in an email is the key (RFC 8058 one-click unsubscribe): no login needed.
    R("notifications:unsubscribe", "get", PUBLIC),
    R(
        "notifications:unsubscribe",
        "post",
        PUBLIC,
        lambda w: {"scope": "all"},
        ("anonymous", *LOGGED_IN),
    ),
]

# Reports: the platform's figures are for admins; a community's for its organisers too.
WEB += [
    R("reports:dashboard", "get", (302, 403, 403, 403, 403, 200)),
    R("reports:community_dashboard", "get", (302, 403, 403, 200, 403, 200)),
    R("reports:community_network", "get", (302, 403, 403, 200, 403, 200)),
    R("reports:network", "get", (302, 403, 403, 403, 403, 200)),
    R("reports:exports", "get", (302, 403, 403, 200, 200, 200)),
    R("reports:exports", "post", (302, 403, 403, 400, 400, 400)),  # empty: form errors
    # Olivia's export: only the person who asked for it.
    R("reports:export", "get", (302, 404, 404, 200, 404, 404)),
    R("reports:export_download", "get", (302, 404, 404, 200, 404, 404)),
    # Each member's own invitation link, made the first time they look.
    R("reports:invite", "get", SIGNED_IN_PAGE, acts=LOGGED_IN),
    R("reports:invite", "post", (302, 400, 400, 400, 400, 400), acts=LOGGED_IN),  # empty
    R("reports:badges", "get", SIGNED_IN_PAGE),
    R(
        "reports:badges",
        "post",
        (302, 302, 302, 302, 302, 302),
        lambda w: {"hide_badges": "on"},
        LOGGED_IN,
    ),
    R("reports:subscriptions", "get", (302, 403, 403, 403, 403, 200)),
    R("reports:subscriptions", "post", (302, 403, 403, 403, 403, 400)),  # empty
    # Ada's subscription: only Ada.
    R("reports:subscription_delete", "get", (302, 405, 405, 405, 405, 405)),
    R("reports:subscription_delete", "post", (302, 404, 404, 404, 404, 302), acts=(ADMIN,)),
    R("reports:open_data", "get", PUBLIC),
    R("reports:open_data_csv", "get", PUBLIC),
    R("reports:open_data_json", "get", PUBLIC),
    R("reports:open_data_package", "get", PUBLIC),
    R("reports:open_data_resource", "get", PUBLIC),
    R("reports:spc_csv", "get", (302, 403, 403, 200, 403, 200)),
    R("reports:spc_rebase", "get", (302, 403, 403, 200, 403, 200)),
    R(
        "reports:spc_rebase",
        "post",
        (302, 403, 403, 302, 403, 302),
        data=_rebase,
        acts=(ORGANISER, ADMIN),
    ),
    R("reports:spc_baseline_delete", "get", (302, 405, 405, 405, 405, 405)),
    R(
        "reports:spc_baseline_delete",
        "post",
        (302, 403, 403, 302, 403, 302),
        acts=(ORGANISER, ADMIN),
    ),
    R("embed_pledge", "get", PUBLIC),
    R("embed_campaign", "get", PUBLIC),
    R("oembed", "get", (400, 400, 400, 400, 400, 400)),  # no url= given
]

API = [
    R("api-schema", "get", API_PUBLIC),
    R("api-docs", "get", API_PUBLIC),
    # --- members
    R("api:me", "get", API_SIGNED_IN),
    R("api:me", "patch", API_SIGNED_IN, lambda w: {"job_role": "Ward manager"}, LOGGED_IN),
    R("api:member-detail", "get", API_PUBLIC),
    R("api:organisations", "get", API_PUBLIC),
    R("api:regions", "get", API_PUBLIC),
    # --- pledges
    R("api:themes", "get", API_PUBLIC),
    R("api:campaigns", "get", API_PUBLIC),
    R("api:campaign-detail", "get", API_PUBLIC),
    R("api:pledges", "get", API_PUBLIC),
    R(
        "api:pledges",
        "post",
        (403, 201, 201, 201, 201, 201),
        lambda w: {
            "title": "learn every patient's name",
            "theme": w.theme.slug,
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        LOGGED_IN,
    ),
    R("api:pledge-detail", "get", API_PUBLIC),
    R(
        "api:pledge-detail",
        "patch",
        (403, 200, 403, 403, 403, 200),
        lambda w: {"title": "ask every patient what matters most"},
        (MEMBER, ADMIN),
    ),
    R("api:pledge-withdraw", "post", (403, 200, 403, 403, 403, 200), acts=(MEMBER, ADMIN)),
    # Community members only; Alice signed her own pledge already (signing is idempotent).
    R("api:pledge-sign", "post", (403, 200, 403, 200, 403, 403), acts=(ORGANISER,)),
    R("api:pledge-unsign", "post", (403, 400, 200, 200, 200, 200)),  # the author cannot
    R("api:pledge-signers", "get", API_PUBLIC),
    R("api:thanks", "get", API_SIGNED_IN),
    R(
        "api:thanks",
        "post",
        (403, 400, 201, 201, 201, 201),  # Alice cannot thank herself
        lambda w: {"check_in": w.check_in.pk, "note": "Thank you for asking them."},
        (OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("api:pledge-check-ins", "get", API_PUBLIC),
    R(
        "api:pledge-check-ins",
        "post",
        (403, 201, 400, 400, 400, 400),  # "Only people who signed it can check in."
        lambda w: {"note": "Asked ten more patients."},
        (MEMBER,),
    ),
    R(
        "api:pledge-done",
        "post",
        (403, 200, 400, 400, 400, 400),  # "Only people who signed it can mark it done."
        lambda w: {"outcome": "Every patient asked."},
        (MEMBER,),
    ),
    # --- stories
    R("api:story-list", "get", API_PUBLIC),
    R(
        "api:story-list",
        "post",
        (403, 201, 201, 201, 201, 201),
        lambda w: {"title": "A new story", "summary": "Short.", "body": "Longer."},
        LOGGED_IN,
    ),
    R("api:story-mine", "get", API_SIGNED_IN),
    R("api:story-review-queue", "get", API_SIGNED_IN),  # lists only what each may review
    R("api:story-invitations", "get", API_SIGNED_IN),
    R("api:story-detail", "get", API_PUBLIC),
    R(
        "api:story-detail",
        "patch",
        (403, 200, 403, 403, 403, 403),
        lambda w: {"title": "Walking a mile a day, told again"},
        (MEMBER,),
    ),
    R("api:story-detail", "delete", (403, 204, 403, 403, 403, 403), acts=(MEMBER,)),
    R("api:story-publish", "post", (403, 200, 403, 403, 403, 403)),  # published already
    R("api:story-withdraw", "post", (403, 200, 403, 403, 403, 403), acts=(MEMBER,)),
    R(
        "api:story-review",
        "post",
        (403, 403, 403, 400, 403, 400),  # published already: nothing to decide
        lambda w: {"decision": "return", "note": "Please add the outcome."},
    ),
    R(
        "api:story-feature",
        "post",
        (403, 403, 403, 200, 403, 200),
        lambda w: {"featured": True},
        (ORGANISER, ADMIN),
    ),
    R("api:story-co-authors", "get", (403, 200, 403, 403, 403, 403)),
    R(
        "api:story-co-authors",
        "post",
        (403, 201, 403, 403, 403, 403),
        lambda w: {"member": w.charlie.pk},
        (MEMBER,),
    ),
    R("api:story-co-author", "delete", (403, 204, 403, 403, 403, 403), acts=(MEMBER,)),
    R(
        "api:story-invitation-answer",
        "post",
        (403, 400, 400, 400, 400, 400),  # "You have no invitation to co-author this story."
        lambda w: {"accept": True},
    ),
    R(
        "api:story-reactions",
        "post",
        (403, 400, 201, 201, 201, 201),  # not the author's own story
        acts=(OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("api:story-reactions", "delete", (403, 200, 200, 200, 200, 200)),
    R("api:story-comments", "get", API_PUBLIC),
    R(
        "api:story-comments",
        "post",
        (403, 201, 403, 201, 403, 403),  # the community's members only
        lambda w: {"body": "Lovely."},
        (MEMBER, ORGANISER),
    ),
    R(
        "api:story-flag",
        "post",
        (403, 400, 201, 201, 201, 201),  # not one's own story
        lambda w: {"reason": "It names a patient."},
        (OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("api:story-comment", "get", API_PUBLIC),
    R(
        "api:story-comment",
        "patch",
        (403, 200, 403, 403, 403, 403),
        lambda w: {"body": "Thank you, all walkers!"},
        (MEMBER,),
    ),
    R(
        "api:story-comment-flag",
        "post",
        (403, 400, 201, 201, 201, 201),  # not one's own comment
        lambda w: {"reason": "It is unkind."},
        (OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    # --- learning
    R("api:learning-modules", "get", API_PUBLIC),
    R("api:learning-module", "get", API_PUBLIC),
    # Questions and lessons are for those enrolled (and admins); answers are never shown.
    R("api:learning-questions", "get", (403, 200, 403, 403, 403, 200)),
    R("api:learning-attempts", "get", API_SIGNED_IN),  # each sees only their own
    R(
        "api:learning-attempts",
        "post",
        (403, 201, 400, 400, 400, 400),  # "Enrol before you start its lessons."
        lambda w: {
            "answers": [
                {
                    "question": w.module.questions.first().pk,
                    "choices": [w.module.questions.first().choices.first().pk],
                }
            ]
        },
        (MEMBER,),
    ),
    R("api:learning-lesson", "get", (403, 200, 403, 403, 403, 200)),
    R(
        "api:learning-lesson-progress",
        "post",
        (403, 200, 400, 400, 400, 400),  # "Enrol before you start its lessons."
        lambda w: {"state": "opened"},
        (MEMBER,),
    ),
    R("api:learning-enrolments", "get", API_SIGNED_IN),
    R(
        "api:learning-enrolments",
        "post",
        (403, 200, 201, 201, 201, 201),
        lambda w: {"module": w.module.slug},
        (OUTSIDER, ORGANISER, OTHER, ADMIN),
    ),
    R("api:learning-enrolment", "get", (403, 200, 404, 404, 404, 404)),
    R("api:learning-attempt", "get", (403, 200, 404, 404, 404, 200)),
    R("api:learning-certificates", "get", API_SIGNED_IN),
    R("api:learning-community-progress", "get", (403, 403, 403, 200, 403, 200)),
    R("api:learning-verify", "get", API_PUBLIC),
    # --- notifications
    R("api:notification-list", "get", API_SIGNED_IN),
    R("api:notification-read", "post", (403, 200, 404, 404, 404, 404), acts=(MEMBER,)),
    R("api:notifications-read-all", "post", API_SIGNED_IN, acts=(MEMBER,)),
    R("api:notifications-unread-count", "get", API_SIGNED_IN),
    R("api:notification-preferences", "get", API_SIGNED_IN),
    R(
        "api:notification-preferences",
        "patch",
        API_SIGNED_IN,
        lambda w: {"story_comment": "off"},
        LOGGED_IN,
    ),
    # --- reports
    R("api:report-dashboard", "get", (403, 403, 403, 403, 403, 200)),
    R("api:report-network", "get", (403, 403, 403, 403, 403, 200)),
    R("api:report-open-data", "get", API_PUBLIC),
    R("api:report-open-data-package", "get", API_PUBLIC),
    R("api:report-spc", "get", (403, 400, 400, 400, 400, 400)),  # no scope given
    R("api:report-spc-baselines", "get", (403, 400, 400, 400, 400, 400)),  # no scope given
    R(
        "api:report-spc-baselines",
        "post",
        (403, 403, 403, 201, 403, 201),
        data=_api_rebase,
        acts=(ORGANISER, ADMIN),
    ),
    R("api:report-spc-baseline", "delete", (403, 403, 403, 204, 403, 204), acts=(ORGANISER, ADMIN)),
    R("api:report-embed-arrivals", "get", (403, 400, 400, 400, 400, 400)),  # no scope given
    R("api:report-member-badges", "get", API_PUBLIC),
    R("api:report-badge-setting", "get", API_SIGNED_IN),
    R(
        "api:report-badge-setting",
        "patch",
        API_SIGNED_IN,
        lambda w: {"hide_badges": True},
        LOGGED_IN,
    ),
    R("api:report-invite", "get", API_SIGNED_IN, acts=LOGGED_IN),  # made on first visit
    R(
        "api:report-invite-emails",
        "post",
        (403, 201, 201, 201, 201, 201),
        lambda w: {"email": "dana@example.nhs.uk"},
        LOGGED_IN,
    ),
    R("api:report-exports", "get", API_SIGNED_IN),  # each sees only their own
    R(
        "api:report-exports",
        "post",
        (403, 403, 403, 202, 403, 202),
        lambda w: {"dataset": "pledges", "community": w.community.slug},
        (ORGANISER, ADMIN),
    ),
    R("api:report-export", "get", (403, 404, 404, 200, 404, 404)),
    R("api:report-export-download", "get", (403, 404, 404, 200, 404, 404)),
    R("api:report-subscriptions", "get", (403, 403, 403, 403, 403, 200)),
    R(
        "api:report-subscriptions",
        "post",
        (403, 403, 403, 403, 403, 201),
        lambda w: {"frequency": "monthly"},
        (ADMIN,),
    ),
    R("api:report-subscription", "delete", (403, 404, 404, 404, 404, 204), acts=(ADMIN,)),
]

# The communities app's own matrix, run in tests/communities; imported here so every URL
# of the platform is in one matrix exactly once.
COMMUNITY_ROWS = [*communities_matrix.WEB, *communities_matrix.API]


# --- Running a row ---------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    changed: list[str]
    location: str
    body: str
    mismatch: str = ""


def _client(world: World, actor: str, api: bool):
    person = world.people[actor]
    client = APIClient() if api else Client()
    if person is not None:
        if api:
            client.force_authenticate(person)
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = SESSIONS[actor]
    return client


# With the caches on, each page is first asked for by those who see most of it, then
# anonymously, so that a copy stored for the wrong person would be served next.
PRIMING_ACTORS = ("admin", "organiser", "member", "anonymous")
# What differs between two renderings of the same page for the same person.
PER_REQUEST = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def _request(
    row: Row, world: World, actor: str, data: dict | None, caches_on: bool = False
) -> Outcome:
    api = row.name.startswith("api")
    client = _client(world, actor, api)
    url = reverse(row.name, kwargs=KWARGS.get(row.name, lambda w: {})(world))
    if caches_on and row.method == "get":
        for primer in PRIMING_ACTORS:
            _client(world, primer, api).get(url)
    before = fingerprint()
    if row.method == "get":
        response = client.get(url)
    elif api:
        response = getattr(client, row.method)(url, data or {}, format="json")
    else:
        response = getattr(client, row.method)(url, data or {})
    after = fingerprint()
    changed = sorted(table for table in after if after[table] != before.get(table))
    body = "" if response.streaming else response.content[:300].decode(errors="replace")
    form = (getattr(response, "context", None) or {}).get("form")
    if form is not None and getattr(form, "errors", None):
        body = f"form errors: {dict(form.errors)}"
    outcome = Outcome(response.status_code, changed, response.get("Location", ""), body)
    if caches_on and row.method == "get" and not response.streaming:
        # The page as rendered for this person with every page cache layer bypassed:
        # anything else means they were served someone else's copy.
        fresh = _client(world, actor, api).get(url, HTTP_X_RADICALS_PAGE_CACHE="off")
        served, own = (
            PER_REQUEST.sub("", r.content.decode(errors="replace")) for r in (response, fresh)
        )
        if (response.status_code, served) != (fresh.status_code, own):
            outcome.mismatch = _first_difference(served, own)
    return outcome


def _first_difference(served: str, own: str) -> str:
    at = next(
        (n for n, (a, b) in enumerate(zip(served, own, strict=False)) if a != b),
        min(len(served), len(own)),
    )
    start, end = max(at - 80, 0), at + 120
    return f"served …{served[start:end]!r}… instead of …{own[start:end]!r}…"


def _check(row: Row, world: World, caches_on: bool = False) -> list[str]:
    problems = []
    for actor, expected in zip(ACTORS, row.expected, strict=True):
        data = row.data(world) if row.data else None
        outcome = in_savepoint(
            lambda actor=actor, data=data: _request(row, world, actor, data, caches_on)
        )
        if outcome.mismatch:
            problems.append(f"{actor}: with the caches on, {outcome.mismatch}")
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if outcome.status not in allowed:
            problems.append(f"{actor}: expected {expected}, got {outcome.status} {outcome.body}")
        if outcome.changed and actor not in row.acts:
            problems.append(f"{actor}: should change nothing, changed {outcome.changed}")
        if (
            actor == "anonymous"
            and outcome.status == 302
            and "anonymous" not in row.acts
            and not outcome.location.startswith(reverse("account_login"))
        ):
            problems.append(f"anonymous: redirected to {outcome.location}, not the login page")
        if row.data and actor == next((a for a in ACTORS if a in row.acts), None):
            # The same request with nothing filled in: the form or field errors, no change.
            empty = in_savepoint(lambda actor=actor: _request(row, world, actor, {}))
            if empty.status not in (200, 400) or empty.changed:
                problems.append(
                    f"{actor}, empty: expected 200/400 and no change, got {empty.status}"
                    f" changing {empty.changed}"
                )
    return problems


def _params(rows):
    return [pytest.param(row, id=f"{row.name}-{row.method}") for row in rows]


@pytest.fixture(params=["caches off", "caches on"])
def caches_on(request, settings) -> bool:
    """Every row runs twice: with no cache layer, then with every one switched on."""
    on = request.param == "caches on"
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60 if on else 0
    settings.ANONYMOUS_PURGED_PAGE_CACHE_SECONDS = 300 if on else 0
    settings.BENCHMARK_VIEWS = True  # so a request can ask for the page without them
    return on


@pytest.mark.parametrize("row", _params(WEB))
def test_web_access(row, world, caches_on):
    problems = _check(row, world, caches_on)

    assert not problems, f"{row.name} {row.method.upper()}:\n" + "\n".join(problems)


@pytest.mark.parametrize("row", _params(API))
def test_api_access(row, world, caches_on):
    problems = _check(row, world, caches_on)

    assert not problems, f"{row.name} {row.method.upper()}:\n" + "\n".join(problems)


CACHED_PAGE_KWARGS: dict[str, Callable[[World], dict]] = {
    "home": lambda w: {},
    "communities:detail": _slug("community"),
}


@pytest.mark.parametrize("name", sorted(CACHED_PAGE_KWARGS))
def test_each_page_the_cache_keeps_is_each_persons_own_page_with_the_caches_on(
    name, world, settings, monkeypatch
):
    """The community page's rows live in the communities matrix: every page the contract
    names is checked here too, first asked for by the more privileged."""
    settings.ANONYMOUS_PAGE_CACHE_SECONDS = 60
    settings.ANONYMOUS_PURGED_PAGE_CACHE_SECONDS = 300
    settings.BENCHMARK_VIEWS = True
    monkeypatch.setitem(KWARGS, name, CACHED_PAGE_KWARGS[name])
    row = Row(name, "get", (200,) * len(ACTORS))
    problems = []
    for actor in ACTORS:
        outcome = in_savepoint(lambda actor=actor: _request(row, world, actor, None, True))
        if outcome.mismatch:
            problems.append(f"{actor}: {outcome.mismatch}")

    assert not problems, "\n".join(problems)


def test_the_pages_the_cache_keeps_are_all_checked():
    from kernel.caching import PAGES

    assert set(PAGES) == set(CACHED_PAGE_KWARGS)


# --- Every URL has rows, once -----------------------------------------------------------------


def _api_methods(pattern: URLPattern) -> set[str]:
    view = getattr(pattern.callback, "view_class", None)
    if view is None:
        return {"get"}
    methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
    if {"put", "patch"} <= methods:
        methods.discard("put")  # update views offer both; PATCH stands for them
    return methods


def test_every_url_of_the_platform_has_rows_in_a_matrix():
    covered = {row.name for row in (*WEB, *API, *COMMUNITY_ROWS)}

    missing = sorted(set(all_named_patterns()) - covered)

    assert not missing, f"Add rows to WEB or API in {__file__} for: {missing}"


def test_every_api_method_has_a_row():
    covered = {(row.name, row.method) for row in (*API, *COMMUNITY_ROWS)}
    missing = [
        (name, method)
        for name, pattern in all_named_patterns().items()
        if name.startswith("api:")
        for method in sorted(_api_methods(pattern))
        if (name, method) not in covered
    ]

    assert not missing, f"Add rows to API in {__file__} for: {missing}"


def test_every_row_names_a_real_url_and_each_url_is_in_one_matrix_only():
    names = set(all_named_patterns())
    ours = [(row.name, row.method) for row in (*WEB, *API)]

    assert {row.name for row in (*WEB, *API)} <= names
    assert len(ours) == len(set(ours)), "a (URL, method) has two rows"
    assert not {row.name for row in (*WEB, *API)} & {row.name for row in COMMUNITY_ROWS}


def test_the_walk_finds_urls_the_exclusions_do_not_hide():
    names = set(all_named_patterns())

    assert {"home", "pledges:detail", "api:pledge-sign", "members:account_delete"} <= names
    assert not any(name.startswith(("admin:", "account_")) for name in names)
    assert settings.ROOT_URLCONF
