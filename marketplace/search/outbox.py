"""The ORM hook that writes a search_outbox row for every changed listing.

Registered once on SQLAlchemy's Session class, so every session (the app's, the CLI's, the
tests') records changes without any service having to remember it. A listing counts as changed
when it, one of its slots or pick-up windows, or the place it (or any of its places' ancestors)
sits in changes. A listing that already has its id gets its row as the flush begins, in the
flush's transaction. New listings get their ids from the flush, and the subtree of a moved place
is only found by its new path once the flush wrote it, so those rows are written after the
flush, in the same transaction. A change the unit of work never sees (a plain UPDATE, such as
the one that moves a listing's status with its claimed units) is recorded by its writer with
``record_listing_changes``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from marketplace import clock
from marketplace.db import defer_insert
from marketplace.listings.models import Listing, ListingSlot, PickupWindow
from marketplace.places.models import Place
from marketplace.search.models import SearchOutbox

_registered = False


def register() -> None:
    global _registered
    if not _registered:
        event.listen(Session, "before_flush", _record_listings_with_ids)
        event.listen(Session, "after_flush", _record_changed_listings)
        event.listen(Session, "after_commit", _note_commit)
        event.listen(Session, "after_rollback", _forget_pending)
        event.listen(
            Session, "after_soft_rollback", lambda session, _previous: _forget_pending(session)
        )
        _registered = True


def _record_listings_with_ids(session: Session, _context: Any, _instances: Any) -> None:
    """Rows for the changed listings whose ids are known; what else changed is kept for
    after the flush."""
    ids: set[int] = set()
    after_flush: list[Any] = []
    dirty = session.dirty
    for instance in (*session.new, *dirty, *session.deleted):
        if instance in dirty and not session.is_modified(instance):
            continue
        if isinstance(instance, Listing | ListingSlot | PickupWindow):
            listing_id = instance.id if isinstance(instance, Listing) else instance.listing_id
            if listing_id is None:
                after_flush.append(instance)
            else:
                ids.add(listing_id)
        elif isinstance(instance, Place) and instance in dirty:
            after_flush.append(instance)
    if after_flush:
        session.info["search_outbox_after_flush"] = after_flush
    record_listing_changes(session, ids)


def _record_changed_listings(session: Session, _context: Any) -> None:
    """Rows for new listings (their ids come from the flush) and for the listings under places
    that moved (found by their new paths, which the flush wrote)."""
    ids: set[int] = set()
    for instance in session.info.pop("search_outbox_after_flush", ()):
        if isinstance(instance, Place):
            ids.update(_listings_under(session, instance))
            continue
        listing_id = instance.id if isinstance(instance, Listing) else instance.listing_id
        if listing_id is not None:  # None only for what the flush did not write
            ids.add(listing_id)
    record_listing_changes(session, ids)


def _listings_under(session: Session, place: Place) -> list[int]:
    with session.no_autoflush:
        subtree = select(Place.id).where(Place.path.startswith(place.path))
        return list(session.scalars(select(Listing.id).where(Listing.place_id.in_(subtree))))


# Built once: rows are written with a plain INSERT on the flush's connection, not as objects
# for the flush to sort and write. Inline: nothing reads the new ids, so PostgreSQL is not asked
# to return them.
_INSERT_ROW = SearchOutbox.__table__.insert().inline()


def record_listing_changes(session: Session, listing_ids: set[int]) -> None:
    """Rows for these listings in the session's transaction, one per listing per transaction:
    written by the flush hooks above, and by writers of changes the unit of work never sees.
    One row (a claim or a cancel that changed a listing's status) goes out with the
    transaction's next statement (``defer_insert``); many at once in one INSERT of their own."""
    new_ids = sorted(listing_ids - session.info.get("search_outbox_pending", set()))
    if not new_ids:
        return
    now = clock.now()
    rows = [{"listing_id": listing_id, "created_at": now} for listing_id in new_ids]
    if len(rows) == 1:
        defer_insert(SearchOutbox.__table__, rows[0], session)
    else:
        session.connection().execute(_INSERT_ROW, rows)
    session.info.setdefault("search_outbox_pending", set()).update(new_ids)


def _note_commit(session: Session) -> None:
    if session.info.pop("search_outbox_pending", None):
        session.info["search_outbox_committed"] = True


def _forget_pending(session: Session) -> None:
    session.info.pop("search_outbox_pending", None)
    session.info.pop("search_outbox_after_flush", None)


def committed_changes(session: Session) -> bool:
    """Whether this session committed listing changes since the last call (and forget it)."""
    return bool(session.info.pop("search_outbox_committed", False))
