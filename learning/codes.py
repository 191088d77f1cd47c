"""Certificate verification codes: unguessable, easy to read aloud and type, checked in
constant time.

A code is 16 characters of Crockford's base32 (80 random bits), shown in groups of
four: ``7KQ2-M9XD-4PHA-R3VT``. Its first eight characters are a lookup key (unique,
indexed); the whole code is then compared with ``hmac.compare_digest``, so how long a
check takes says nothing about how much of a guessed code was right.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
LOOKUP_LENGTH = 8
# Letters people confuse with digits are read as those digits, as Crockford's base32 says.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
EXAMPLE = "7KQ2-M9XD-4PHA-R3VT"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """The code as stored, from what a person typed (any case, spaces or dashes), or
    None when it cannot be a code at all."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
