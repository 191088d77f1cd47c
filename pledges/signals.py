"""Signals other apps listen to, so pledges never imports them.

`commitment_done` is sent (sender=Signature, signature=<Signature>) once a member
has marked their commitment to a pledge done and the change is committed; the
stories app uses it to invite them to tell the story.
"""

from django.dispatch import Signal

commitment_done = Signal()
