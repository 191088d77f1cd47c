"""Signals other apps listen to when something happens to a member."""

from django.dispatch import Signal

# Sent when a member is erased, inside the erasure's transaction, with `member` (already
# anonymous) and `names` (the name and email address they had): apps that copied the
# name into their own rows (audit labels) replace it.
member_erased = Signal()
