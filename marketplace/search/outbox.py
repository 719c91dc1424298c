"""The ORM hook that writes a search_outbox row for every changed listing.

Registered once on SQLAlchemy's Session class, so every session (the app's, the CLI's, the
tests') records changes without any service having to remember it. A listing counts as changed
when it, one of its slots or pick-up windows, or the place it (or any of its places' ancestors)
sits in changes. The rows are added after the flush, so new listings already have their ids;
commit flushes again, which writes them in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from marketplace.listings.models import Listing, ListingSlot, PickupWindow
from marketplace.places.models import Place
from marketplace.search.models import SearchOutbox

_registered = False


def register() -> None:
    global _registered
    if not _registered:
        event.listen(Session, "after_flush", _record_changed_listings)
        event.listen(Session, "after_commit", _note_commit)
        event.listen(Session, "after_rollback", _forget_pending)
        event.listen(
            Session, "after_soft_rollback", lambda session, _previous: _forget_pending(session)
        )
        _registered = True


def _record_changed_listings(session: Session, _context: Any) -> None:
    listing_ids = _changed_listing_ids(session)
    if not listing_ids:
        return
    now_pending = session.info.setdefault("search_outbox_pending", set())
    for listing_id in sorted(listing_ids - now_pending):
        session.add(SearchOutbox(listing_id=listing_id))
    now_pending.update(listing_ids)


def _changed_listing_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    moved_places: list[Place] = []
    for instance in (*session.new, *session.dirty, *session.deleted):
        if instance in session.dirty and not session.is_modified(instance):
            continue
        if isinstance(instance, Listing):
            ids.add(instance.id)
        elif isinstance(instance, ListingSlot | PickupWindow) and instance.listing_id is not None:
            ids.add(instance.listing_id)
        elif isinstance(instance, Place) and instance in session.dirty:
            moved_places.append(instance)
    with session.no_autoflush:
        for place in moved_places:
            subtree = select(Place.id).where(Place.path.startswith(place.path))
            ids.update(session.scalars(select(Listing.id).where(Listing.place_id.in_(subtree))))
    ids.discard(None)  # type: ignore[arg-type]
    return ids


def _note_commit(session: Session) -> None:
    if session.info.pop("search_outbox_pending", None):
        session.info["search_outbox_committed"] = True


def _forget_pending(session: Session) -> None:
    session.info.pop("search_outbox_pending", None)


def committed_changes(session: Session) -> bool:
    """Whether this session committed listing changes since the last call (and forget it)."""
    return bool(session.info.pop("search_outbox_committed", False))
