"""Demo notifications for development: a few of each sort for alice and the organiser,
so the notifications page, the header count and the emails in var/mail have something
to show. Running it twice adds nothing (notify() is idempotent)."""

from django.urls import NoReverseMatch, reverse

from notifications.models import Kind
from notifications.services import notify


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
                title="It’s on — 12 people signed “Ask every patient what matters to them”",
                body="The pledge reached its threshold of 10 co-signers, so it goes ahead.",
                url=pledges,
                period="demo",
                data={"signers": 12},
            )[0],
            notify(
                kind=Kind.PLEDGE_DUE_SOON,
                recipient=alice,
                title="Your pledge “Switch off unused monitors at night” is due in 3 days",
                url=pledges,
                period="demo",
            )[0],
            notify(
                kind=Kind.NEW_CO_SIGNERS,
                recipient=alice,
                title="3 more people co-signed your pledge",
                url=pledges,
                period="demo",
                data={"count": 3, "total": 8},
            )[0],
            notify(
                kind=Kind.MODULE_CONTINUE,
                recipient=alice,
                title="Continue “Making change stick”",
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
                title="Bob Brown asked to join your community",
                url=_path("communities:list"),
                period="demo",
                data={"requester": "Bob Brown"},
            )[0]
        )
    return {"notifications": made}
