"""One-tap check-in links: the "how is your pledge going?" email carries a link that
opens a short check-in form for that pledge alone, on a phone, without signing in.

The token is signed (django.core.signing, with its own salt) and dated, and names the
member and the pledge. It also carries a fingerprint of the member's password hash and
email address, so changing either kills every link already sent. It works for
CHECK_IN_LINK_MAX_AGE_DAYS, once: the digest of a used token is recorded with the
check-in it made (CheckInLinkUse). The check-in itself is made by the same service as
every other check-in, as that member.

There is no API for this: the link is the credential, and it is meant for a person at
a browser; API clients authenticate with their token and post to
/api/pledges/<id>/check-ins/.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from pledges.models import CheckInLinkUse, Pledge

SALT = "pledges.check_in_links"


class LinkRefused(Exception):
    """Why a link does not work, as one of the REASONS."""

    FORGED = "forged"
    EXPIRED = "expired"
    USED = "used"
    STALE = "stale"  # the password or email changed since it was sent, or the account closed

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    member: object
    pledge: Pledge
    digest: str


def max_age_seconds() -> int:
    return settings.CHECK_IN_LINK_MAX_AGE_DAYS * 24 * 60 * 60


def _fingerprint(member) -> str:
    return salted_hmac(
        SALT, f"{member.pk}|{member.password}|{member.email}", algorithm="sha256"
    ).hexdigest()[:32]


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_token(*, member, pledge: Pledge | int) -> str:
    pledge_id = pledge.pk if isinstance(pledge, Pledge) else pledge
    return signing.dumps(
        {"m": member.pk, "p": pledge_id, "f": _fingerprint(member)}, salt=SALT, compress=True
    )


def link_url(*, member, pledge: Pledge | int) -> str:
    """The link's full address, for an email."""
    path = reverse("pledges:check_in_link", args=[make_token(member=member, pledge=pledge)])
    return f"{settings.SITE_URL}{path}"


def read(token: str) -> Link:
    """The member and pledge a still-valid, unused link is for, or LinkRefused."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age_seconds())
    except signing.SignatureExpired as exc:
        raise LinkRefused(LinkRefused.EXPIRED) from exc
    except signing.BadSignature as exc:
        raise LinkRefused(LinkRefused.FORGED) from exc
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(key), expected)
        for key, expected in (("m", int), ("p", int), ("f", str))
    ):
        raise LinkRefused(LinkRefused.FORGED)
    member = get_user_model().objects.filter(pk=payload["m"], is_active=True).first()
    if member is None or not constant_time_compare(payload["f"], _fingerprint(member)):
        raise LinkRefused(LinkRefused.STALE)
    digest = digest_of(token)
    if CheckInLinkUse.objects.filter(token_digest=digest).exists():
        raise LinkRefused(LinkRefused.USED)
    pledge = Pledge.objects.select_related("campaign", "community").filter(pk=payload["p"]).first()
    if pledge is None:
        raise LinkRefused(LinkRefused.FORGED)
    return Link(member=member, pledge=pledge, digest=digest)
