"""Signed one-click unsubscribe tokens: who and what, with a time limit, unforgeable.

A token carries a member's id and a scope: one kind, "digest" (the daily digest
email) or "all". It is signed with the secret key and a salt of its own, so it
cannot be forged or reused as any other signed value, and it expires after
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from notifications.models import Kind

SALT = "radicals.notifications.unsubscribe"
DIGEST_SCOPE = "digest"
ALL_SCOPE = "all"
SCOPES = {*Kind.values, DIGEST_SCOPE, ALL_SCOPE}


class InvalidToken(ValueError):
    """The token was not made by us, or was changed."""


class ExpiredToken(InvalidToken):
    """The token was ours but is older than the allowed age."""


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    scope: str


def make_token(*, user_id: int, scope: str) -> str:
    if scope not in SCOPES:
        raise ValueError(f"Unknown unsubscribe scope: {scope}")
    return signing.TimestampSigner(salt=SALT).sign_object({"u": user_id, "s": scope})


def read_token(token: str) -> Unsubscribe:
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign_object(token, max_age=settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ExpiredToken("This unsubscribe link has expired.") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidToken("This unsubscribe link is not valid.") from exc
    if not isinstance(value, dict):
        raise InvalidToken("This unsubscribe link is not valid.")
    user_id, scope = value.get("u"), value.get("s")
    if not isinstance(user_id, int) or scope not in SCOPES:
        raise InvalidToken("This unsubscribe link is not valid.")
    return Unsubscribe(user_id=user_id, scope=scope)
