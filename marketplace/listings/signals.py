"""Signals of the listings domain; receivers run inside the sender's transaction."""

from blinker import Namespace

_signals = Namespace()

# A listing was created or its content edited and needs a moderation decision.
# sender: the Listing; kwargs: actor (User), created (bool), text_changed (bool)
listing_submitted = _signals.signal("listing-submitted")

# The owner took a listing down for good; claims on it that are not handed over yet must end.
# The listing is locked. sender: the Listing; kwargs: actor (User)
listing_withdrawn = _signals.signal("listing-withdrawn")

# A listing was taken down by moderation: a coordinator hid or rejected it, residents' reports
# hid it, or it was hidden with its suspended owner. Claims on it that are not handed over yet
# must end. The listing is locked and its new moderation state set.
# sender: the Listing; kwargs: actor (User, or None for the platform), reason (str, what the
# claimants are told)
listing_taken_down = _signals.signal("listing-taken-down")
