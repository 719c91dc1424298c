"""Signals other domains subscribe to; sent inside the transaction that made the change."""

from blinker import Namespace

_signals = Namespace()

# sender: the User; kwargs: actor (User), reason (str)
user_suspended = _signals.signal("user-suspended")
user_reinstated = _signals.signal("user-reinstated")
# sender: the User; kwargs: actor (User), old_role (str)
user_role_changed = _signals.signal("user-role-changed")
# sender: the Organisation; kwargs: actor (User)
organisation_verification_changed = _signals.signal("organisation-verification-changed")
