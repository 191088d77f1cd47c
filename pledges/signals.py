"""Signals other apps listen to, so pledges never imports them.

The co-sign writes its rows with one hand-written statement (services.pledge_sign), so
it sends no `post_save`. Instead:

`co_sign_writes` is sent (sender=Signature) as that statement is put together; each
receiver answers the SQL of one more INSERT to run in it, only when the signature is
made. It may name the parameters `%(pledge)s`, `%(member)s`, `%(now)s` (when it was
signed) and `%(day)s` (that day where the platform is), and select from `signature`
(the new signature's `id`; empty when the member had signed already). The reports app
answers its mark of the day for the rollups, which so costs no statement of its own.

`co_signed` is sent (sender=Signature, signature=<Signature>) once a member has
co-signed a pledge, inside the co-sign's transaction. The reports app uses it to credit
whoever's share link or card brought the co-signer.

`commitment_done` is sent (sender=Signature, signature=<Signature>) once a member
has marked their commitment to a pledge done and the change is committed; the
stories app uses it to invite them to tell the story.
"""

from django.dispatch import Signal

# Each co-sign sends the first two. With use_caching a signal keeps its receivers for
# each sender, so a send does not walk every receiver's weak reference again; connecting
# or disconnecting one clears what it keeps.
co_sign_writes = Signal(use_caching=True)
co_signed = Signal(use_caching=True)
commitment_done = Signal(use_caching=True)
