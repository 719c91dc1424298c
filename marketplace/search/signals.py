"""Signals of the search domain."""

from blinker import Namespace

_signals = Namespace()

# Sent after a drain committed: these listings' index documents are current.
# sender: None; kwargs: listing_ids (list[int])
listings_indexed = _signals.signal("listings-indexed")
