"""Signals of the reservations domain; receivers run inside the sender's transaction."""

from blinker import Namespace

_signals = Namespace()

# sender: the Reservation that just completed; kwargs: actor (User or None)
reservation_completed = _signals.signal("reservation-completed")
# sender: the Reservation; kwargs: action (str), actor (User or None)
reservation_changed = _signals.signal("reservation-changed")
