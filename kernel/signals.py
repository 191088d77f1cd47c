"""Signals every app may send or listen to, so that no app imports another to tell it
something happened (kernel/ imports no app)."""

from django.dispatch import Signal

# Sent by members when a member is erased, inside the erasure's transaction, with
# `member` (already anonymous) and `names` (the name and email address they had): apps
# that copied the name into their own rows (audit labels, other members' notices)
# replace it, and notifications never emails the account again.
member_erased = Signal()
