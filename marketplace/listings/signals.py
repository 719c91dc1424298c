"""Signals of the listings domain; receivers run inside the sender's transaction."""

from blinker import Namespace

_signals = Namespace()

# A listing was created or its content edited and needs a moderation decision.
# sender: the Listing; kwargs: actor (User), created (bool), text_changed (bool)
listing_submitted = _signals.signal("listing-submitted")
