"""Signals other apps listen to, so pledges never imports them.

`co_signed` is sent (sender=Signature, signature=<Signature>) when a member has
co-signed a pledge, inside the co-sign's transaction: the co-sign writes its rows with
one hand-written statement, so it sends no `post_save`. The reports app uses it to mark
the day for the rollups and to credit whoever's share link brought the co-signer.

`commitment_done` is sent (sender=Signature, signature=<Signature>) once a member
has marked their commitment to a pledge done and the change is committed; the
stories app uses it to invite them to tell the story.
"""

from django.dispatch import Signal

co_signed = Signal()
commitment_done = Signal()
