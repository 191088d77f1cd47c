"""Demo notifications for development: a few of each sort for alice and the organiser,
so the notifications page, the header count and the emails in var/mail have something
to show. Running it twice adds nothing (notify() is idempotent)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications.models import Kind
from notifications.services import notify
from notifications.text import Text


def _path(name: str, fallback: str = "/") -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def load(loaded: dict) -> dict:
    users = loaded.get("members", {}).get("users", {})
    alice, organiser = users.get("alice"), users.get("organiser")
    made = []
    if alice is not None:
        pledges = _path("pledges:wall")
        made += [
            notify(
                kind=Kind.THRESHOLD_REACHED,
                recipient=alice,
                title=Text(
                    ngettext_lazy(
                        "It’s on — %(count)s person signed “%(pledge)s”",
                        "It’s on — %(count)s people signed “%(pledge)s”",
                        12,
                    ),
                    count=12,
                    pledge="Ask every patient what matters to them",
                ),
                body=Text(
                    _("It reached its threshold of %(threshold)s co-signers, so it goes ahead."),
                    threshold=10,
                ),
                url=pledges,
                period="demo",
                data={"signers": 12},
            )[0],
            notify(
                kind=Kind.PLEDGE_DUE_SOON,
                recipient=alice,
                title=Text(
                    ngettext_lazy(
                        "Your pledge “%(pledge)s” is due in %(count)s day",
                        "Your pledge “%(pledge)s” is due in %(count)s days",
                        3,
                    ),
                    pledge="Switch off unused monitors at night",
                    count=3,
                ),
                url=pledges,
                period="demo",
            )[0],
            notify(
                kind=Kind.NEW_CO_SIGNERS,
                recipient=alice,
                title=Text(
                    ngettext_lazy(
                        "%(count)s more person co-signed your pledge",
                        "%(count)s more people co-signed your pledge",
                        3,
                    ),
                    count=3,
                ),
                url=pledges,
                period="demo",
                data={"count": 3, "total": 8},
            )[0],
            notify(
                kind=Kind.MODULE_CONTINUE,
                recipient=alice,
                title=Text(_("Continue “%(module)s”"), module="Making change stick"),
                url=_path("learning:catalogue"),
                period="demo",
                data={"module": "Making change stick", "progress": 40},
            )[0],
        ]
    if organiser is not None:
        made.append(
            notify(
                kind=Kind.MEMBERSHIP_REQUEST,
                recipient=organiser,
                title=Text(_("%(name)s asked to join your community"), name="Bob Brown"),
                url=_path("communities:list"),
                period="demo",
                data={"requester": "Bob Brown"},
            )[0]
        )
    return {"notifications": made}
